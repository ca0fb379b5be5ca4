"""The node killed with SIGKILL (no cleanup, as a power cut or the OOM killer) in the middle of
its work, then started again on the same database: nothing it had taken on is lost, and what
it does twice is bounded by what was in flight at the moment of the kill.

Each test runs `compagnon serve` as a child process (tests/support/processes.py), kills it
when the peers' own counts say the work is under way (never on a clock), restarts it, and
waits, bounded, for the peers' counts to reach the total.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from compagnon import operations
from compagnon.federation import accounts
from compagnon.federation.outbox import publish
from compagnon.federation.sanitize import text_to_html
from compagnon.federation.urls import Urls
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Actor, Delivery
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import follows
from tests.support.databases import fresh_database
from tests.support.inboxes import CountingInboxes
from tests.support.processes import NodeProcess

POSTS = 200
INBOXES = 5
DEADLINE = 120.0  # seconds for the whole fan-out after the restart: a bound, not a wait


async def queue_fan_out(node: NodeProcess, inboxes: CountingInboxes, posts: int) -> None:
    """A trainer whose followers are the counting inboxes (one host each) and `posts` posts
    published before the node starts: posts x inboxes deliveries queued, as a trainer
    publishing through the web form would leave them."""
    urls = Urls(node.base)
    async with operations.database(node.settings) as sessions, sessions.begin() as session:
        user = await accounts.create_user(session, urls, "ana", "correct horse battery")
        author = await session.get(Actor, user.actor_id)
        assert author is not None
        for port, inbox in zip(inboxes.ports, inboxes.urls, strict=True):
            uri = inboxes.actor_uri(port)
            reader = await actor_queries.upsert_remote(
                session,
                {
                    "uri": uri,
                    "type": "Person",
                    "username": "reader",
                    "domain": f"127.0.0.1:{port}",
                    "inbox": inbox,
                    "shared_inbox": inbox,
                },
            )
            await follows.upsert(session, reader.id, author.id, f"{uri}#follow", "accepted")
        for number in range(posts):
            await publish.publish_note(session, urls, author, text_to_html(f"Post {number}"))


async def delivery_states(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(Delivery.state, func.count()).group_by(Delivery.state)
            )
            return {state: int(n) for state, n in rows}
    finally:
        await engine.dispose()


async def test_kill_9_during_a_fan_out_loses_nothing_and_resends_only_what_was_in_flight(
    backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    total = POSTS * INBOXES
    async with fresh_database(backend, tmp_path) as url, CountingInboxes(INBOXES) as inboxes:
        node = NodeProcess("fanout", url, tmp_path)
        await queue_fan_out(node, inboxes, POSTS)
        try:
            await node.start()
            # Killed once the inboxes have 40 % of the fan-out: the worker is mid-batch.
            await inboxes.until(lambda r: r.posts >= total * 2 // 5, within=DEADLINE)
            await node.kill()
            before_restart = inboxes.posts
            await node.start()
            await inboxes.until(lambda r: r.distinct() == total, within=DEADLINE)
            await node.stop()  # a clean stop: the worker records its last outcomes
        finally:
            await node.kill()
        states = await delivery_states(url)

    lost = total - inboxes.distinct()
    duplicates = inboxes.duplicates()
    in_flight = node.settings.delivery_concurrency
    with capsys.disabled():  # the figure docs/reliability.md reports
        print(
            f"\n[kill -9 during a fan-out, {backend}] {total} deliveries, killed after "
            f"{before_restart} POSTs: lost {lost}, duplicates {duplicates}"
        )
    assert lost == 0
    assert states == {"delivered": total}
    # Re-sent only what was in flight, or answered and not yet recorded, at the kill.
    assert duplicates <= 2 * in_flight, f"{duplicates} deliveries sent twice"
