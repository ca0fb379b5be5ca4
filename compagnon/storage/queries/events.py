"""Events: when they take place (`event_times`) and who answers them (`attendances`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, Attendance, EventTime, Object, utcnow

PAGE_SIZE = 20


@dataclass(frozen=True)
class Times:
    object_id: int
    start_at: datetime
    end_at: datetime
    timezone: str
    capacity: int | None
    words: str


async def save_times(session: AsyncSession, rows: Sequence[Times]) -> None:
    """Write (or replace) the times of these events."""
    if not rows:
        return
    ids = [row.object_id for row in rows]
    await session.execute(delete(EventTime).where(EventTime.object_id.in_(ids)))
    session.add_all(
        EventTime(
            object_id=row.object_id,
            start_at=row.start_at,
            end_at=row.end_at,
            timezone=row.timezone,
            capacity=row.capacity,
            words=row.words,
        )
        for row in rows
    )
    await session.flush()


async def forget(session: AsyncSession, object_ids: Sequence[int]) -> None:
    if object_ids:
        await session.execute(delete(EventTime).where(EventTime.object_id.in_(object_ids)))


@dataclass(frozen=True)
class Listed:
    obj: Object
    author: Actor
    times: EventTime


async def listing(
    session: AsyncSession,
    *,
    now: datetime,
    words: Sequence[str] = (),
    visibilities: Sequence[str] = ("public",),
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> list[Listed]:
    """Events not yet over, soonest first, then past ones, latest first; each word must
    appear in a title or description (any language)."""
    upcoming = EventTime.end_at >= now
    query = (
        select(Object, Actor, EventTime)
        .join(EventTime, EventTime.object_id == Object.id)
        .join(Actor, Actor.id == Object.actor_id)
        .where(Object.deleted_at.is_(None), Object.visibility.in_(visibilities))
        .order_by(
            case((upcoming, 0), else_=1),
            case((upcoming, EventTime.start_at), else_=None).asc(),
            EventTime.start_at.desc(),
            Object.id,
        )
        .offset(offset)
        .limit(limit)
    )
    for word in words:
        escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(EventTime.words.like(f"%{escaped}%", escape="\\"))
    rows = await session.execute(query)
    return [Listed(obj, author, times) for obj, author, times in rows.all()]


async def times_of(session: AsyncSession, object_id: int) -> EventTime | None:
    return await session.get(EventTime, object_id)


async def answer(
    session: AsyncSession, event_uri: str, actor_id: int, state: str, activity_uri: str
) -> Attendance:
    """Record an actor's answer; a later one replaces the earlier."""
    row = await session.scalar(
        select(Attendance).where(Attendance.event_uri == event_uri, Attendance.actor_id == actor_id)
    )
    if row is None:
        row = Attendance(
            event_uri=event_uri, actor_id=actor_id, state=state, activity_uri=activity_uri
        )
        session.add(row)
    else:
        row.state, row.activity_uri, row.answered_at = state, activity_uri, utcnow()
    await session.flush()
    return row


async def answer_of(session: AsyncSession, event_uri: str, actor_id: int) -> Attendance | None:
    return await session.scalar(
        select(Attendance).where(Attendance.event_uri == event_uri, Attendance.actor_id == actor_id)
    )


async def withdraw(session: AsyncSession, event_uri: str, actor_id: int) -> bool:
    """Remove an actor's answer; False when there was none."""
    result = await session.execute(
        delete(Attendance).where(Attendance.event_uri == event_uri, Attendance.actor_id == actor_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def by_activity(session: AsyncSession, activity_uri: str) -> Attendance | None:
    return await session.scalar(select(Attendance).where(Attendance.activity_uri == activity_uri))


async def counts(session: AsyncSession, event_uri: str) -> dict[str, int]:
    """Answers per state (going, maybe, not_going, refused), zero where none."""
    rows = await session.execute(
        select(Attendance.state, func.count())
        .where(Attendance.event_uri == event_uri)
        .group_by(Attendance.state)
    )
    found = {"going": 0, "maybe": 0, "not_going": 0, "refused": 0}
    found.update({state: int(n) for state, n in rows.all()})
    return found


async def going_count(session: AsyncSession, event_uri: str, *, except_actor: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                and_(
                    Attendance.event_uri == event_uri,
                    Attendance.state == "going",
                    Attendance.actor_id != except_actor,
                )
            )
        )
        or 0
    )


async def attendees(session: AsyncSession, event_uri: str) -> list[tuple[Actor, Attendance]]:
    rows = await session.execute(
        select(Actor, Attendance)
        .join(Attendance, Attendance.actor_id == Actor.id)
        .where(Attendance.event_uri == event_uri)
        .order_by(Attendance.answered_at, Attendance.id)
    )
    return list(rows.all())
