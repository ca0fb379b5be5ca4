"""Object signatures: our activities carry FEP-8b32 proofs by a key our actors publish, and an
activity forwarded by someone else is accepted only when its own proof shows its actor."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from sqlalchemy import select

from compagnon.federation.signing.integrity import signed_by_actor
from compagnon.federation.signing.proofs import verify_object_proof
from compagnon.federation.signing.signatures import load_private_key, sign_cavage
from compagnon.storage.models import Activity, Actor
from tests.conftest import NodeFactory
from tests.support.nodes import Node

AP = {"Accept": "application/activity+json"}


async def stored_create(node: Node, object_uri: str) -> dict[str, Any]:
    async with node.sessions() as session:
        activity = await session.scalar(
            select(Activity).where(Activity.object_uri == object_uri, Activity.type == "Create")
        )
    assert activity is not None
    return dict(activity.raw)


async def forward(target: Node, doc: dict[str, Any], by: Actor) -> httpx.Response:
    """POST `doc` to target's shared inbox, HTTP-signed by `by` (not the activity's actor)."""
    assert by.private_key_pem is not None
    body = orjson.dumps(doc)
    url = f"{target.base}/inbox"
    headers = {"Content-Type": "application/activity+json"}
    headers |= sign_cavage(
        "POST", url, headers, body, by.public_key_id, load_private_key(by.private_key_pem)
    )
    async with httpx.AsyncClient() as http:
        return await http.post(url, content=body, headers=headers)


async def test_actor_publishes_multikey_and_activities_carry_proofs(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    ana = await a.create_user("ana")
    async with httpx.AsyncClient() as http:
        doc = (await http.get(ana.uri, headers=AP)).json()
    assert "https://w3id.org/security/multikey/v1" in doc["@context"]
    method = doc["assertionMethod"][0]
    assert method["type"] == "Multikey" and method["controller"] == ana.uri
    assert method["publicKeyMultibase"].startswith("z6Mk")  # Ed25519 multikey prefix

    note = await a.post("ana", "signed twice: request and object")
    create = await stored_create(a, note.uri)
    assert create["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    resolver = await b.resolver()
    assert await verify_object_proof(create, resolver.proof_key_lookup) == ana.uri


async def test_outbox_items_carry_no_proof_they_cannot_keep_and_their_ids_serve_it(
    make_node: NodeFactory,
) -> None:
    """A page leaves out each item's `@context`, which its proof covers: an item served with
    its proof would be refused by any verifier reading it alone. The page sends the items
    without proofs (the page's origin vouches for them); the activity fetched by its id is
    served whole, and verifies."""
    a, b = await make_node("a"), await make_node("b")
    ana = await a.create_user("ana")
    note = await a.post("ana", "a page vouches, the id proves")
    async with httpx.AsyncClient() as http:
        page = (await http.get(f"{ana.uri}/outbox?page=true", headers=AP)).json()
        [item] = page["orderedItems"]
        assert item["object"]["id"] == note.uri
        assert "@context" not in item and "proof" not in item
        whole = (await http.get(item["id"], headers=AP)).json()
    resolver = await b.resolver()
    assert await verify_object_proof(whole, resolver.proof_key_lookup) == ana.uri


async def test_forwarded_activity_is_accepted_on_its_own_proof_only(
    make_node: NodeFactory,
) -> None:
    a, b, c = await make_node("a"), await make_node("b"), await make_node("c")
    await a.create_user("ana")
    await b.create_user("bruno")
    chiara = await c.create_user("chiara")
    note = await b.post("bruno", "relayed by a friend")
    create = await stored_create(b, note.uri)

    accepted = await forward(a, create, by=chiara)
    tampered = {**create, "object": {**create["object"], "content": "<p>forged words</p>"}}
    unproven = {k: v for k, v in create.items() if k != "proof"}
    unproven["id"] = unproven["id"] + "-copy"
    refused_tampered = await forward(a, tampered, by=chiara)
    refused_unproven = await forward(a, unproven, by=chiara)

    assert accepted.status_code == 202
    assert refused_tampered.status_code == 403
    assert refused_unproven.status_code == 403 and "not by the actor" in refused_unproven.text
    resolver = await a.resolver()
    assert await signed_by_actor(tampered, resolver.key_lookup, resolver.proof_key_lookup) is None
