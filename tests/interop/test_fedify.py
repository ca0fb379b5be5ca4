"""Compagnon and Fedify (an independent TypeScript implementation) on loopback: follows,
notes both ways with real signatures, and Fedify's strict parser reading our documents.

The Fedify peer sends at once (no outbox queue), so its control routes return only after our
inbox answered; our side is driven with run_once(). Nothing sleeps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from compagnon.federation.signing.ld_signatures import verify_ld_signature
from compagnon.federation.signing.proofs import verify_object_proof
from compagnon.storage.models import Activity, Follow
from tests.conftest import NodeFactory
from tests.interop.peers.fedify_peer import FedifyPeer
from tests.support.nodes import Node, settle
from tests.support.resources import publish_quiz

pytestmark = pytest.mark.interop
StartFedify = Callable[..., Awaitable[FedifyPeer]]


@pytest.fixture
async def fedify(start_fedify_peer: StartFedify) -> FedifyPeer:
    return await start_fedify_peer(queue_outbox=False)


async def follow_states(node: Node) -> list[str]:
    async with node.sessions() as session:
        return list((await session.execute(select(Follow.state))).scalars())


async def test_fedify_user_follows_our_trainer_and_reads_her_posts(
    make_node: NodeFactory, fedify: FedifyPeer, caplog: pytest.LogCaptureFixture
) -> None:
    node = await make_node("a")
    ana = await node.create_user("ana")
    await fedify.follow("alice", ana.uri)  # Fedify signs with RFC 9421 first
    await settle(node)  # our worker accepts; the Accept goes out
    assert await follow_states(node) == ["accepted"]
    refused = [r.getMessage() for r in caplog.records if "inbox refused" in r.getMessage()]
    assert refused == [], "Fedify's first knock (RFC 9421) must verify, not need a fallback"
    following = await fedify.following("alice")
    assert following[0]["id"] == ana.uri and following[0]["state"] == "accepted"

    note = await node.post("ana", "Checklist: soldadura MIG, EQF 3")
    await settle(node)
    received = await fedify.received("alice")
    creates = [r for r in received if r["type"] == "Create"]
    assert creates and creates[-1]["objectId"] == note.uri
    assert creates[-1]["objectType"] == "Note"
    assert "soldadura MIG" in creates[-1]["content"]


async def test_we_follow_a_fedify_user_and_receive_her_notes(
    make_node: NodeFactory, fedify: FedifyPeer
) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    await node.follow("ana", fedify.actor_url("bob"))
    await settle(node)  # Follow delivered; Fedify answers Accept inline
    await settle(node)
    assert await follow_states(node) == ["accepted"]

    sent = await fedify.post("bob", "<p>Hallo aus der Werkstatt</p>", to="followers")
    await settle(node)
    stored = await node.object(sent["noteId"])
    assert stored is not None
    assert stored.content == "<p>Hallo aus der Werkstatt</p>"
    assert stored.visibility == "followers"
    async with node.sessions() as session:
        activity = await session.scalar(select(Activity).where(Activity.uri == sent["createId"]))
    assert activity is not None and activity.state == "done"
    # Fedify signs the activity itself twice over: both verify with keys from its actor.
    resolver = await node.resolver()
    bob = fedify.actor_url("bob")
    assert await verify_object_proof(activity.raw, resolver.proof_key_lookup) == bob
    assert await verify_ld_signature(activity.raw, resolver.key_lookup) == bob


async def test_fedify_strict_parser_accepts_our_documents(
    make_node: NodeFactory, fedify: FedifyPeer
) -> None:
    node = await make_node("a", country="PT", languages="pt-PT,en")
    ana = await node.create_user("ana")
    note = await node.post("ana", "Ficha de trabalho: quadro elétrico")
    fedify_view = await fedify.lookup(ana.uri)
    assert fedify_view["json"].get("assertionMethod"), "Fedify reads our Ed25519 Multikey"
    for url, kind in [
        (ana.uri, "Person"),
        (f"{node.base}/users/centre", "Organization"),
        (f"{node.base}/actor", "Application"),
        (note.uri, "Note"),
    ]:
        result = await fedify.lookup(url)
        assert result["ok"], f"Fedify refused {url}: {result.get('error')}"
        assert result["type"] == kind and result["idMatches"]
    info = await fedify.nodeinfo(f"{node.base}/.well-known/nodeinfo")
    assert info["ok"], info.get("error")


async def test_unfollow_from_fedify_is_applied(make_node: NodeFactory, fedify: FedifyPeer) -> None:
    node = await make_node("a")
    ana = await node.create_user("ana")
    await fedify.follow("carol", ana.uri)
    await settle(node)
    assert await follow_states(node) == ["accepted"]
    await fedify.unfollow("carol", ana.uri)
    await settle(node)
    assert await follow_states(node) == []


async def test_learning_resource_reaches_fedify_as_a_readable_note(
    make_node: NodeFactory, fedify: FedifyPeer
) -> None:
    node = await make_node("a")
    ana = await node.create_user("ana")
    await fedify.follow("alice", ana.uri)
    await settle(node)
    obj = await publish_quiz(node, "ana")
    await settle(node)
    creates = [r for r in await fedify.received("alice") if r["type"] == "Create"]
    assert creates[-1]["objectId"] == obj.uri
    assert creates[-1]["objectType"] == "Note"  # Fedify reads the type array's Note
    assert "self-check quiz" in creates[-1]["content"]
    parsed = await fedify.lookup(obj.uri)
    assert parsed["ok"] and parsed["type"] == "Note" and parsed["idMatches"], parsed.get("error")
