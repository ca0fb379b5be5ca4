"""The delivery policy FEDERATION.md promises ("Delivery"), through a real worker and a real peer
that is down: marked unreachable after more than 2 days of failures, tried every 12 h from then
on, given up 7 days after the post was queued. The figures are written out on purpose."""

from __future__ import annotations

from datetime import timedelta

from compagnon.storage.models import Peer, utcnow
from compagnon.storage.queries import deliveries
from tests.conftest import NodeFactory
from tests.integration.test_resilience import followed_by
from tests.support.nodes import Node


async def state(a: Node, b: Node, uri: str) -> tuple[deliveries.Delivery, Peer]:
    async with a.sessions() as session:
        row = (await deliveries.for_object(session, uri))[0]
        peer = await session.get(Peer, b.domain)
    assert peer is not None
    return row, peer


async def test_a_peer_down_is_unreachable_after_2_days_retried_every_12_h_given_up_at_7_days(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await followed_by(a, b)
    await b.stop()
    note = await a.post("ana", "while b is away for a week")
    start = utcnow()

    await a.run_once(now=start)  # the first failure: b has been failing since `start`
    two_days = start + timedelta(days=2)
    await a.run_once(now=two_days)
    row, peer = await state(a, b, note.uri)
    assert not peer.unreachable  # 2 days exactly is not "more than 2 days"
    assert row.next_attempt_at - two_days <= timedelta(minutes=2)  # still the fast backoff

    later = two_days + timedelta(minutes=5)
    await a.run_once(now=later)
    row, peer = await state(a, b, note.uri)
    assert peer.unreachable and row.state == "pending"
    # Every 12 h, ±25 % jitter.
    assert timedelta(hours=9) <= row.next_attempt_at - later <= timedelta(hours=15)

    almost_a_week = start + timedelta(days=7) - timedelta(minutes=5)
    await a.run_once(now=almost_a_week)
    row, _ = await state(a, b, note.uri)
    assert row.state == "pending"

    # The first try that fails more than 7 days after the post was queued gives it up.
    await a.run_once(now=max(row.next_attempt_at, start + timedelta(days=7, seconds=1)))
    row, _ = await state(a, b, note.uri)
    assert row.state == "gave_up" and row.attempts == 5
