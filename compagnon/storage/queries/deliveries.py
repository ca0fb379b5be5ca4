"""The outbound queue: one row per (activity, inbox), claimed by workers, retried as data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Activity, Delivery, utcnow
from compagnon.storage.queries import claims

PENDING, DELIVERED, GAVE_UP, CANCELLED = "pending", "delivered", "gave_up", "cancelled"


def host_of(url: str) -> str:
    return (urlsplit(url).netloc or "").lower()


async def enqueue(
    session: AsyncSession,
    activity_id: int,
    inboxes: Iterable[str],
    object_uri: str | None,
    *,
    not_before: datetime | None = None,
) -> int:
    """One row per unique inbox; a row that exists already is left alone (idempotent)."""
    unique = sorted(set(inboxes))
    if not unique:
        return 0
    when = not_before or utcnow()
    rows = [
        {
            "activity_id": activity_id,
            "inbox": inbox,
            "host": host_of(inbox),
            "object_uri": object_uri,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": when,
            "created_at": utcnow(),
        }
        for inbox in unique
    ]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Delivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["activity_id", "inbox"])
    )
    await session.execute(statement)
    return len(unique)


@dataclass(frozen=True)
class Claimed:
    id: int
    inbox: str
    host: str
    attempts: int
    activity_uri: str
    actor_uri: str
    body: dict[str, object]
    created_at: datetime


async def claim_due(
    session: AsyncSession, worker: str, limit: int, lease: timedelta, now: datetime | None = None
) -> list[Claimed]:
    """Take up to `limit` due rows for this worker (claims.py: one atomic statement), with
    what sending them needs."""
    ids = await claims.claim(session, Delivery, worker, limit, lease, now or utcnow())
    if not ids:
        return []
    rows = await session.execute(
        select(Delivery, Activity)
        .join(Activity, Activity.id == Delivery.activity_id)
        .where(Delivery.id.in_(ids))
    )
    return [
        Claimed(d.id, d.inbox, d.host, d.attempts, a.uri, a.actor_uri, a.raw, d.created_at)
        for d, a in rows
    ]


async def release_claims(session: AsyncSession, worker: str) -> int:
    """A restarted worker takes back what its previous run had claimed but not finished."""
    return await claims.release(session, Delivery, worker)


async def mark_delivered_many(session: AsyncSession, done: list[tuple[int, int]]) -> None:
    """Mark many rows delivered: one UPDATE per distinct answer status (almost always one)."""
    by_status: dict[int, list[int]] = {}
    for delivery_id, status in done:
        by_status.setdefault(status, []).append(delivery_id)
    now = utcnow()
    for status, ids in by_status.items():
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(
                state=DELIVERED,
                attempts=Delivery.attempts + 1,
                last_status=status,
                last_error=None,
                finished_at=now,
                claimed_by=None,
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )


async def mark_retry(
    session: AsyncSession, delivery_id: int, status: int | None, error: str, at: datetime
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            attempts=Delivery.attempts + 1,
            last_status=status,
            last_error=error[:2000],
            next_attempt_at=at,
            claimed_by=None,
            claimed_until=None,
        )
    )


async def mark_gave_up(
    session: AsyncSession, delivery_id: int, status: int | None, error: str
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            state=GAVE_UP,
            attempts=Delivery.attempts + 1,
            last_status=status,
            last_error=error[:2000],
            finished_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        )
    )


async def hurry_host(session: AsyncSession, host: str) -> None:
    """A peer came back: its pending rows are due now instead of after their long backoff."""
    now = utcnow()
    await session.execute(
        update(Delivery)
        .where(Delivery.host == host, Delivery.state == PENDING, Delivery.next_attempt_at > now)
        .values(next_attempt_at=now)
    )


async def for_object(session: AsyncSession, object_uri: str) -> list[Delivery]:
    result = await session.execute(
        select(Delivery).where(Delivery.object_uri == object_uri).order_by(Delivery.id)
    )
    return list(result.scalars())


async def inboxes_that_received(session: AsyncSession, object_uri: str) -> list[str]:
    """The inboxes that got the object, and those it may be reaching right now: a row a worker
    has claimed may be on the wire, so a Delete or Update must follow it there."""
    in_flight = and_(Delivery.state == PENDING, Delivery.claimed_by.is_not(None))
    result = await session.execute(
        select(Delivery.inbox)
        .where(Delivery.object_uri == object_uri, or_(Delivery.state == DELIVERED, in_flight))
        .distinct()
    )
    return list(result.scalars())


async def supersede_updates(
    session: AsyncSession, activity: Activity, inboxes: Iterable[str]
) -> int:
    """A newer Update of the same object makes the older ones still waiting for these inboxes
    pointless, and worse: deliveries run side by side, so the older might arrive last and
    undo the change (an actor's profile, an edited post). Those not yet claimed are
    cancelled; one already on the wire is left to finish."""
    targets = sorted(set(inboxes))
    if activity.type != "Update" or not activity.object_uri or not targets:
        return 0
    older = select(Activity.id).where(
        Activity.type == "Update",
        Activity.is_local.is_(True),
        Activity.object_uri == activity.object_uri,
        Activity.id != activity.id,
    )
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.activity_id.in_(older),
            Delivery.inbox.in_(targets),
            Delivery.state == PENDING,
            Delivery.claimed_by.is_(None),
        )
        .values(state=CANCELLED, finished_at=utcnow(), last_error="superseded by a newer Update")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def cancel_pending_for_object(session: AsyncSession, object_uri: str) -> int:
    """A deleted object is not sent to the hosts that never got it."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.object_uri == object_uri, Delivery.state == PENDING)
        .values(state=CANCELLED, finished_at=utcnow(), claimed_by=None, claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
