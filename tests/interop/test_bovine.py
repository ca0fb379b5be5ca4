"""Compagnon and bovine-herd (a second Python implementation, authorized fetch always on):
we follow it and receive its posts; it follows us and receives ours.

bovine works in background tasks, so our side waits on its own inbox commits (arrival()),
never on a clock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from compagnon.storage.models import Follow, Object
from tests.conftest import NodeFactory
from tests.interop.peers.bovine_peer import BovinePeer
from tests.support.nodes import Node, arrival, settle

pytestmark = pytest.mark.interop


async def follow_states(node: Node) -> list[str]:
    async with node.sessions() as session:
        return list((await session.execute(select(Follow.state))).scalars())


async def test_we_follow_bovine_and_receive_its_posts(
    make_node: NodeFactory, bovine_peer: BovinePeer
) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    await node.follow("ana", bovine_peer.actor_id)  # a signed GET: bovine refuses unsigned
    await settle(node)
    accepted = await bovine_peer.accept_follows(wait=10.0)  # bovine's client accepts, not it
    assert len(accepted["accepted"]) == 1

    async def follow_accepted() -> bool:
        return await follow_states(node) == ["accepted"]

    await arrival(node, follow_accepted)
    await bovine_peer.post("<p>Moo from the dairy school</p>", to="followers")

    async def note_stored() -> bool:
        async with node.sessions() as session:
            found = await session.scalar(select(Object).where(Object.is_local.is_(False)))
        return found is not None and "dairy school" in found.content

    await arrival(node, note_stored)


async def test_bovine_follows_us_and_receives_our_posts(
    make_node: NodeFactory, bovine_peer: BovinePeer
) -> None:
    node = await make_node("a")
    ana = await node.create_user("ana")
    await bovine_peer.follow(ana.uri)

    async def follower_known() -> bool:
        return await follow_states(node) == ["accepted"]

    await arrival(node, follower_known)
    await settle(node)  # our Accept goes out
    note = await node.post("ana", "Curso de higiene alimentar, nível 4")
    report = await node.run_once()
    assert report.delivered == 1, "bovine's inbox must take our signed Create"
    items = await bovine_peer.inbox()
    texts = [str(item) for item in items]
    assert any(note.uri in text for text in texts)
