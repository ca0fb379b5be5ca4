"""PostgreSQL connections cut under a running node (a database restart, a failover, an idle
timeout on a proxy): every backend of the test's own database is terminated with
pg_terminate_backend while the node is receiving and while its worker is delivering.

The node recovers by itself: connections are not pre-pinged (ARCHITECTURE.md), so a request
that meets a dead connection may get 503 (its sender retries), and the next ones get 202;
the worker keeps running and keeps its claims; nothing accepted is lost, nothing is sent twice.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from compagnon.storage.models import Delivery, Follow, Object, utcnow
from tests.conftest import NodeFactory
from tests.support.databases import fresh_database, terminate_backends
from tests.support.fanout import delivery_states, queue_fan_out
from tests.support.inboxes import CountingInboxes
from tests.support.nodes import settle
from tests.support.processes import NodeProcess

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)
DEADLINE = 120.0


async def test_connections_cut_during_deliveries_lose_nothing_and_send_nothing_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`compagnon serve` on PostgreSQL fans 500 deliveries out; when a quarter have arrived,
    and again at three quarters, every connection of its database is cut. Its worker goes on
    and finishes."""
    total = 100 * 5
    cuts: list[int] = []

    async def cut_connections(inboxes: CountingInboxes) -> None:
        if inboxes.posts in (total // 4, total * 3 // 4):
            cuts.append(await terminate_backends(url))

    async with fresh_database("postgresql", tmp_path) as url, CountingInboxes(5) as inboxes:
        node = NodeProcess("drops", url, tmp_path)
        await queue_fan_out(node.settings, inboxes, total // 5)
        inboxes.on_post = cut_connections
        try:
            await node.start()
            await inboxes.until(lambda r: r.distinct() == total, within=DEADLINE)
            await node.stop()
        finally:
            await node.kill()
        states = await delivery_states(url)

    assert len(cuts) == 2 and all(cuts), "the node's connections were not cut"
    assert inboxes.distinct() == total
    assert states == {"delivered": total}
    with capsys.disabled():
        print(
            f"\n[connections cut twice during a fan-out] {total} deliveries, {sum(cuts)} "
            f"connections cut: lost {total - inboxes.distinct()}, "
            f"duplicates {inboxes.duplicates()}"
        )
    assert inboxes.duplicates() == 0


async def test_connections_cut_during_inbox_traffic_lose_nothing_accepted(
    make_node: NodeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """A peer posts to a node on PostgreSQL whose connections were all cut: what meets a dead
    connection gets 503 and is sent again by the peer; everything arrives, once."""
    sender = await make_node("a")  # SQLite: only the receiver's database is cut
    receiver = await make_node("b", backend="postgresql")
    await sender.create_user("ana")
    await receiver.create_user("reader")
    await receiver.follow("reader", f"ana@{sender.domain}")
    await settle(sender, receiver)
    async with receiver.sessions() as session:
        assert (await session.scalar(select(Follow.state))) == "accepted"

    posts = [await sender.post("ana", f"Post {n} during a database restart") for n in range(10)]
    assert await terminate_backends(receiver.settings.database_url) > 0
    first = await sender.run_once()
    await settle(receiver)  # the receiver's worker meets the cut too: it must carry on
    assert first.delivered + first.retried == 10

    # The refused ones (503) are due again after the backoff; the peer is back to 202.
    await settle(sender, receiver, now=utcnow() + timedelta(minutes=5))
    async with sender.sessions() as session:
        rows = list((await session.execute(select(Delivery))).scalars())
    creates = [r for r in rows if r.object_uri in {p.uri for p in posts}]
    assert sorted(r.state for r in creates) == ["delivered"] * 10
    refused = [r for r in creates if r.attempts > 1]
    assert len(refused) == first.retried
    assert all(r.last_status == 202 for r in creates)
    with capsys.disabled():
        print(f"\n[connections cut during inbox traffic] 10 POSTs: {len(refused)} got 503 once")
    async with receiver.sessions() as session:
        stored = set((await session.execute(select(Object.uri))).scalars())
    assert {p.uri for p in posts} <= stored
    for post in posts:
        assert len(await receiver.activities_about(post.uri)) == 1
