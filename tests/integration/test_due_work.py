"""The worker's one read of its queues (storage/queries/work.py), on both databases: it says a
queue holds due work exactly when that queue's claim would take a row. A queue said empty is
skipped for the pass, so a wrong "no" would leave a delivery, a sync or a poll's Update
waiting for ever; each case below is checked against the claim itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Activity, Actor, Delivery, Object, Poll, SyncJob
from compagnon.storage.queries import deliveries, polls, sync_jobs
from compagnon.storage.queries.work import due_work

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine).begin() as session:
            actor = Actor(
                uri="https://a.example/u/t", type="Person", username="t", domain="a.example"
            )
            session.add(actor)
            await session.flush()
            activity = Activity(
                uri="https://a.example/a/1", type="Create", actor_uri=actor.uri, raw={}
            )
            question = Object(uri="https://a.example/o/1", type="Question", actor_id=actor.id)
            session.add_all([activity, question])
            await session.flush()
            session.add(
                Delivery(
                    activity_id=activity.id,
                    inbox="https://b.example/inbox",
                    host="b.example",
                    next_attempt_at=NOW + timedelta(hours=1),  # a retry not yet due
                )
            )
            session.add(
                SyncJob(
                    actor_id=actor.id,
                    outbox_url=f"{actor.uri}/outbox",
                    state="done",  # finished: never due
                    next_attempt_at=NOW - timedelta(hours=1),
                )
            )
            session.add(Poll(object_id=question.id, update_due_at=None))
        yield engine
    finally:
        await engine.dispose()


async def claimable(session: AsyncSession, moment: datetime) -> tuple[bool, bool, bool]:
    """What each queue's own claim finds at `moment` (rolled back by the caller)."""
    found_deliveries = await deliveries.claim_due(session, "probe", 10, LEASE, moment)
    found_jobs = await sync_jobs.claim_due(session, "probe", 10, LEASE, moment)
    found_polls = await polls.due(session, moment, 10)
    return bool(found_deliveries), bool(found_jobs), bool(found_polls)


async def read_and_claim(engine: AsyncEngine, moment: datetime) -> tuple[bool, bool, bool]:
    async with create_sessionmaker(engine)() as session:
        due = await due_work(session, moment)
        claimed = await claimable(session, moment)
        await session.rollback()
    assert (due.deliveries, due.sync_jobs, due.polls) == claimed
    assert due.pushes is False
    return claimed


async def test_the_read_agrees_with_each_claim(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    assert await read_and_claim(engine, NOW) == (False, False, False)
    # the retry's time comes
    assert await read_and_claim(engine, NOW + timedelta(hours=2)) == (True, False, False)

    # a worker holds the delivery: not due while its lease lasts, due again once it ran out
    async with sessions.begin() as session:
        await session.execute(
            update(Delivery).values(next_attempt_at=NOW, claimed_by="w1", claimed_until=NOW + LEASE)
        )
    assert await read_and_claim(engine, NOW + timedelta(minutes=5)) == (False, False, False)
    assert await read_and_claim(engine, NOW + LEASE + timedelta(seconds=1)) == (
        True,
        False,
        False,
    )

    # delivered: gone from the queue; the sync job queued again; the poll's Update due
    async with sessions.begin() as session:
        await session.execute(update(Delivery).values(state="delivered"))
        await session.execute(update(SyncJob).values(state="pending"))
        await session.execute(update(Poll).values(update_due_at=NOW + timedelta(seconds=30)))
    assert await read_and_claim(engine, NOW) == (False, True, False)
    assert await read_and_claim(engine, NOW + timedelta(seconds=30)) == (False, True, True)
