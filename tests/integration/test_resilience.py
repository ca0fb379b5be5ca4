"""Nothing is lost: a peer that is down gets the post later; a node stopped in the middle of a
fan-out delivers everything exactly once after it restarts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from compagnon.storage.models import Delivery, Follow, Peer, utcnow
from compagnon.storage.queries import deliveries
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle


async def followed_by(origin: Node, *followers: Node) -> None:
    await origin.create_user("ana")
    for node in followers:
        await node.create_user("reader")
        await node.follow("reader", f"ana@{origin.domain}")
    await settle(origin, *followers)
    async with origin.sessions() as session:
        states = list((await session.execute(select(Follow.state))).scalars())
    assert states == ["accepted"] * len(followers)


async def test_peer_down_gets_the_post_after_it_comes_back(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await followed_by(a, b)
    await b.stop()

    note = await a.post("ana", "Posted while b was down")
    report = await a.run_once()
    assert report.retried == 1 and report.delivered == 0
    async with a.sessions() as session:
        row = (await deliveries.for_object(session, note.uri))[0]
    assert row.state == "pending" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow()

    await b.start()
    assert (await a.run_once()).idle  # not due yet: nothing is hammered
    await settle(a, b, now=row.next_attempt_at + timedelta(seconds=1))
    copy = await b.object(note.uri)
    assert copy is not None and "Posted while b was down" in copy.content
    async with a.sessions() as session:
        row = (await deliveries.for_object(session, note.uri))[0]
        peer = await session.get(Peer, b.domain)
    assert row.state == "delivered" and row.attempts == 2
    assert peer is not None and peer.failing_since is None


async def test_fan_out_interrupted_by_a_stop_delivers_exactly_once(
    make_node: NodeFactory, backend: str
) -> None:
    a = await make_node("a", backend=backend)
    peers = [await make_node(name, backend=backend) for name in ("b", "c", "d", "e")]
    await followed_by(a, *peers)
    note = await a.post("ana", "Fan-out under a restart")

    # One delivery goes out, then the node dies holding claims on the others.
    first = await a.run_once(max_deliveries=1)
    assert first.delivered == 1
    async with a.sessions.begin() as session:
        claimed = await deliveries.claim_due(session, "a-worker", 10, timedelta(minutes=10))
    assert len(claimed) == 3
    await a.stop()

    await a.start()  # the same worker name takes its claims back
    await settle(a, *peers)
    for peer in peers:
        assert await peer.object(note.uri) is not None
        assert len(await peer.activities_about(note.uri)) == 1
    async with a.sessions() as session:
        rows = await deliveries.for_object(session, note.uri)
    assert sorted(r.state for r in rows) == ["delivered"] * 4
    assert all(r.attempts == 1 for r in rows)


async def test_gone_inbox_is_given_up_and_not_retried(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await followed_by(a, b)
    note = await a.post("ana", "to a gone inbox")
    async with a.sessions.begin() as session:
        await session.execute(
            Delivery.__table__.update()
            .where(Delivery.object_uri == note.uri)
            .values(inbox=f"{b.base}/no-such-inbox")
        )
    report = await a.run_once()
    assert report.gave_up == 1
    async with a.sessions() as session:
        row = (await deliveries.for_object(session, note.uri))[0]
    assert row.state == "gave_up" and row.last_status == 404


async def test_peer_down_for_days_is_marked_unreachable_and_revived_by_its_next_request(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await followed_by(a, b)
    await b.stop()
    note = await a.post("ana", "while b is away for days")
    moment = utcnow()
    for _ in range(30):  # bounded: walk the clock forward from one due retry to the next
        await a.run_once(now=moment)
        async with a.sessions() as session:
            row = (await deliveries.for_object(session, note.uri))[0]
            peer = await session.get(Peer, b.domain)
        assert peer is not None
        if peer.unreachable:
            break
        moment = row.next_attempt_at + timedelta(seconds=1)
    assert peer.unreachable, "three days of failures should mark the peer unreachable"
    assert row.state == "pending"
    assert row.next_attempt_at - moment >= timedelta(hours=9)  # slow retries from now on

    await b.start()
    await b.follow("reader", f"{a.base}/users/ana")  # any signed POST from b to a
    await settle(b)
    await a.run_once(now=moment + timedelta(minutes=1))  # not the 12 h retry: due at once
    await settle(b)
    assert await b.object(note.uri) is not None
    async with a.sessions() as session:
        peer = await session.get(Peer, b.domain)
    assert peer is not None and not peer.unreachable
