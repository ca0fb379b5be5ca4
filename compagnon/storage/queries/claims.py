"""Claiming rows of a work queue (deliveries, catalogue sync jobs): the one mechanism both
use. A queue's table has `id`, `state`, `next_attempt_at`, `claimed_by` and `claimed_until`.

A claim is one UPDATE ... RETURNING, so two workers never take the same row: on PostgreSQL the
inner SELECT skips rows another worker has locked (SKIP LOCKED); on SQLite the statement holds
the one write lock. (SELECT ... FOR UPDATE then UPDATE let two SQLite workers claim the same
rows: ARCHITECTURE.md, departures.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

PENDING = "pending"


def is_due(model: Any, now: datetime | BindParameter[Any]) -> ColumnElement[bool]:
    """The rows of `model` a claim at `now` may take: pending, their time come, and held by no
    worker (or by one whose lease ran out). The worker's look at its queues (work.py) asks
    the same question, so it never skips a queue a claim would find work in."""
    return and_(
        model.state == PENDING,
        model.next_attempt_at <= now,
        or_(model.claimed_until.is_(None), model.claimed_until < now),
    )


async def claim(
    session: AsyncSession,
    model: Any,
    worker: str,
    limit: int,
    lease: timedelta,
    now: datetime,
    also: ColumnElement[bool] | None = None,
) -> list[int]:
    """Ids of up to `limit` due rows of `model`, now held by `worker` until now + lease;
    `also` narrows the rows (e.g. one job)."""
    due = is_due(model, now)
    if also is not None:
        due = and_(due, also)
    inner = select(model.id).where(due).order_by(model.next_attempt_at).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        inner = inner.with_for_update(skip_locked=True)
    result = await session.execute(
        update(model)
        .where(model.id.in_(inner.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=now + lease)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


async def release(session: AsyncSession, model: Any, worker: str) -> int:
    """A restarted worker takes back the pending rows its previous run held."""
    result = await session.execute(
        update(model)
        .where(model.state == PENDING, model.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
