"""What the worker's queues hold that is due: one read, so a pass of a worker with little to do
costs one statement instead of a transaction per queue.

An idle pass claimed from three queues (each an UPDATE in a transaction of its own: the write
lock on SQLite) and looked for due polls: 3.7 ms of CPU, and the worker makes two passes for
every batch the inbox commits (the second finds nothing). Each queue's own claim asks the same
question as this read (`claims.is_due`, `polls.is_due`), so a queue said empty here is one
its claim would have found empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import BindParameter, Select, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Delivery, Poll, PushDelivery, SyncJob
from compagnon.storage.queries import claims, polls


@dataclass(frozen=True)
class DueWork:
    sync_jobs: bool
    polls: bool
    deliveries: bool
    pushes: bool


@cache
def _statement() -> Select[bool, bool, bool, bool]:
    # Built once, `now` bound at each pass: building it was a third of the read's CPU.
    now: BindParameter[datetime] = bindparam("now")
    return select(
        exists().where(claims.is_due(SyncJob, now)),
        exists().where(polls.is_due(now)).select_from(Poll),
        exists().where(claims.is_due(Delivery, now)),
        exists().where(claims.is_due(PushDelivery, now)),
    )


async def due_work(session: AsyncSession, now: datetime) -> DueWork:
    """Which queues hold a row due at `now` (rows held by a live claim are not due)."""
    row = (await session.execute(_statement(), {"now": now})).one()
    return DueWork(*(bool(value) for value in row))
