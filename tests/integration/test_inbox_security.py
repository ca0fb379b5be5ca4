"""Forged, unsigned, replayed, malformed and oversized traffic is refused with a clear answer,
and nothing of it is stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select

from compagnon.federation.signing.signatures import (
    generate_rsa_keypair,
    load_private_key,
    sign_cavage,
)
from compagnon.storage.models import Activity, Actor
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle


def create_note(actor_uri: str, text: str = "hello") -> dict[str, Any]:
    host = actor_uri.split("/users/")[0]
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{host}/activities/{uuid.uuid4()}",
        "type": "Create",
        "actor": actor_uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": f"{host}/objects/{uuid.uuid4()}",
            "type": "Note",
            "attributedTo": actor_uri,
            "content": text,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    }


async def signed_post(
    url: str, doc: dict[str, Any], key_id: str, pem: str, now: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps(doc)
    headers = {"Content-Type": "application/activity+json"}
    headers.update(sign_cavage("POST", url, headers, body, key_id, load_private_key(pem), now=now))
    return body, headers


async def stored(node: Node) -> int:
    async with node.sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Activity).where(Activity.is_local.is_(False))
            )
            or 0
        )


async def sender_pair(make_node: NodeFactory) -> tuple[Node, Node, Actor]:
    target, sender = await make_node("target"), await make_node("sender")
    await target.create_user("tina")
    bob = await sender.create_user("bob")
    return target, sender, bob


async def test_unsigned_post_is_refused_with_401(make_node: NodeFactory) -> None:
    target, _sender, bob = await sender_pair(make_node)
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{target.base}/inbox",
            content=orjson.dumps(create_note(bob.uri)),
            headers={"Content-Type": "application/activity+json"},
        )
    assert answer.status_code == 401
    assert "signature" in answer.json()["error"].lower()
    assert await stored(target) == 0


async def test_forged_signature_is_refused(make_node: NodeFactory) -> None:
    target, _sender, bob = await sender_pair(make_node)
    forger_pem, _ = generate_rsa_keypair()
    body, headers = await signed_post(
        f"{target.base}/inbox", create_note(bob.uri), bob.public_key_id, forger_pem
    )
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{target.base}/inbox", content=body, headers=headers)
    assert answer.status_code == 401
    assert await stored(target) == 0


async def test_signer_must_be_the_actor(make_node: NodeFactory) -> None:
    target, sender, bob = await sender_pair(make_node)
    mallory = await sender.create_user("mallory")
    assert mallory.private_key_pem is not None
    body, headers = await signed_post(
        f"{target.base}/inbox", create_note(bob.uri), mallory.public_key_id, mallory.private_key_pem
    )
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{target.base}/inbox", content=body, headers=headers)
    assert answer.status_code == 403
    assert "not by the actor" in answer.json()["error"]
    assert await stored(target) == 0


async def test_replayed_post_is_stored_once_and_stale_replay_refused(
    make_node: NodeFactory,
) -> None:
    target, _sender, bob = await sender_pair(make_node)
    assert bob.private_key_pem is not None
    doc = create_note(bob.uri, "only once")
    body, headers = await signed_post(
        f"{target.base}/inbox", doc, bob.public_key_id, bob.private_key_pem
    )
    old_body, old_headers = await signed_post(
        f"{target.base}/inbox",
        create_note(bob.uri),
        bob.public_key_id,
        bob.private_key_pem,
        now=datetime.now(UTC) - timedelta(hours=3),
    )
    async with httpx.AsyncClient() as http:
        first = await http.post(f"{target.base}/inbox", content=body, headers=headers)
        again = await http.post(f"{target.base}/inbox", content=body, headers=headers)
        stale = await http.post(f"{target.base}/inbox", content=old_body, headers=old_headers)
    assert (first.status_code, again.status_code, stale.status_code) == (202, 202, 401)
    assert await stored(target) == 1
    await settle(target)
    assert await target.count_activities(doc["id"]) == 1


async def test_malformed_bodies_get_400_with_a_reason(make_node: NodeFactory) -> None:
    target, _sender, _bob = await sender_pair(make_node)
    cases = [
        b"{not json",
        b"[1, 2]",
        b'{"id": "http://x/1", "actor": "http://x/a"}',
        b'{"type": "Create", "id": "http://x/1"}',
        b'{"type": "Create", "actor": "a"}',
    ]
    async with httpx.AsyncClient() as http:
        answers = [
            await http.post(
                f"{target.base}/inbox",
                content=body,
                headers={"Content-Type": "application/activity+json"},
            )
            for body in cases
        ]
    assert [a.status_code for a in answers] == [400] * len(cases)
    reasons = [a.json()["error"] for a in answers]
    assert "not JSON" in reasons[0] and "object" in reasons[1] and "type" in reasons[2]
    assert await stored(target) == 0


async def test_oversized_body_gets_413(make_node: NodeFactory) -> None:
    target, _sender, bob = await sender_pair(make_node)
    huge = create_note(bob.uri, "x" * 1_100_000)
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{target.base}/inbox",
            content=orjson.dumps(huge),
            headers={"Content-Type": "application/activity+json"},
        )
    assert answer.status_code == 413
    assert await stored(target) == 0


async def test_blocked_domain_gets_403(make_node: NodeFactory) -> None:
    sender = await make_node("sender")
    bob = await sender.create_user("bob")
    target = await make_node("target", blocked_domains="127.0.0.1")
    assert bob.private_key_pem is not None
    body, headers = await signed_post(
        f"{target.base}/inbox", create_note(bob.uri), bob.public_key_id, bob.private_key_pem
    )
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{target.base}/inbox", content=body, headers=headers)
    assert answer.status_code == 403
    assert "blocked" in answer.json()["error"]
    assert await stored(target) == 0


async def test_hostile_html_is_sanitised_on_arrival(make_node: NodeFactory) -> None:
    target, sender, bob = await sender_pair(make_node)
    await target.follow("tina", f"bob@{sender.domain}")
    await settle(target, sender)
    assert bob.private_key_pem is not None
    doc = create_note(
        bob.uri,
        '<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(1)">link</a></p>',
    )
    body, headers = await signed_post(
        f"{target.base}/inbox", doc, bob.public_key_id, bob.private_key_pem
    )
    async with httpx.AsyncClient() as http:
        assert (
            await http.post(f"{target.base}/inbox", content=body, headers=headers)
        ).status_code == 202
    await settle(target)
    obj = await target.object(doc["object"]["id"])
    assert obj is not None
    assert "Hi" in obj.content
    for bad in ("script", "onclick", "javascript:", "alert"):
        assert bad not in obj.content


async def test_storage_failure_answers_503_so_the_peer_retries(make_node: NodeFactory) -> None:
    from sqlalchemy import text

    target, _sender, bob = await sender_pair(make_node)
    assert bob.private_key_pem is not None
    async with target.sessions.begin() as session:  # break storage for real: no table
        await session.execute(text("ALTER TABLE activities RENAME TO activities_away"))
    body, headers = await signed_post(
        f"{target.base}/inbox", create_note(bob.uri), bob.public_key_id, bob.private_key_pem
    )
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{target.base}/inbox", content=body, headers=headers)
    assert answer.status_code == 503
    assert "try again later" in answer.json()["error"]
    assert "Traceback" not in answer.text
