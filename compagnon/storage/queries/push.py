"""Web Push subscriptions of phone apps, and the queue of pushes (compagnon/push/ sends them).

`queue_for` is called by `notifications.notify`, so every notification (a page, the inbox,
an app) queues its pushes in the transaction that writes it: saving never sends, the worker
does, and a push is retried as data like a delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import (
    Follow,
    NodeFact,
    Notification,
    OAuthToken,
    PushDelivery,
    PushSubscription,
    User,
    utcnow,
)
from compagnon.storage.queries import claims

PENDING, GAVE_UP = "pending", "gave_up"
# Mastodon's alerts an app may ask for (`data[alerts][…]`); `status`: a new post of an account
# one rings the bell for (follows.notify).
ALERTS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update")
POLICIES = ("all", "followed", "follower", "none")
# Our notification kinds as Mastodon's types: server/api/entities.py's NOTIFICATION_TYPES,
# said again here below the server (tests/unit/test_push.py keeps the two equal).
PUSH_TYPES = {
    "follow": "follow",
    "follow_request": "follow_request",
    "reply": "mention",
    "mention": "mention",
    "like": "favourite",
    "share": "reblog",
    "poll": "poll",
    "update": "update",
    "status": "status",
}


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def keep_fact(session: AsyncSession, key: str, value: str) -> None:
    """A node fact written unless one is there already (the first writer's stays)."""
    statement = _insert(session)(NodeFact).values(key=key, value=value)
    await session.execute(statement.on_conflict_do_nothing(index_elements=["key"]))


# --- subscriptions -------------------------------------------------------------------------


async def for_token(session: AsyncSession, token_id: int) -> PushSubscription | None:
    return await session.scalar(
        select(PushSubscription).where(PushSubscription.token_id == token_id)
    )


async def subscribe(session: AsyncSession, row: PushSubscription) -> PushSubscription:
    """`row` becomes the token's subscription, replacing the one it had (as Mastodon does: a
    new id, the old one's queued pushes dropped)."""
    await unsubscribe(session, row.token_id)
    session.add(row)
    await session.flush()
    return row


async def unsubscribe(session: AsyncSession, token_id: int) -> bool:
    result = await session.execute(
        delete(PushSubscription).where(PushSubscription.token_id == token_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def drop_revoked(session: AsyncSession) -> None:
    """Revoking a token ends its subscription (called by storage/queries/oauth.py)."""
    revoked = select(OAuthToken.id).where(OAuthToken.revoked_at.is_not(None))
    await session.execute(
        delete(PushSubscription)
        .where(PushSubscription.token_id.in_(revoked))
        .execution_options(synchronize_session=False)
    )


async def for_user(session: AsyncSession, user_id: int) -> set[int]:
    """The apps (ids) of `user_id` holding a push subscription: /settings/apps."""
    rows = await session.scalars(
        select(OAuthToken.app_id)
        .join(PushSubscription, PushSubscription.token_id == OAuthToken.id)
        .where(PushSubscription.user_id == user_id, OAuthToken.revoked_at.is_(None))
    )
    return set(rows)


# --- queuing -------------------------------------------------------------------------------


async def queue_for(session: AsyncSession, notification: Notification) -> int:
    """One push per subscription of the recipient that wants this type from this actor.
    One SELECT when nobody subscribed (the common case)."""
    return await queue_for_many(session, [notification])


async def queue_for_many(session: AsyncSession, notifications: Sequence[Notification]) -> int:
    """`queue_for` for a batch of notifications (the worker's batch of received posts): one
    SELECT of the recipients' live subscriptions for all of them."""
    typed = [n for n in notifications if n.kind in PUSH_TYPES]
    if not typed:
        return 0
    rows = await session.execute(
        select(PushSubscription, User.actor_id)
        .join(User, User.id == PushSubscription.user_id)
        .join(OAuthToken, OAuthToken.id == PushSubscription.token_id)
        .where(
            User.actor_id.in_({n.recipient_id for n in typed}),
            OAuthToken.revoked_at.is_(None),
        )
    )
    by_recipient: dict[int, list[PushSubscription]] = {}
    for subscription, actor_id in rows:
        by_recipient.setdefault(actor_id, []).append(subscription)
    if not by_recipient:
        return 0
    now, queued = utcnow(), 0
    for notification in typed:
        push_type = PUSH_TYPES[notification.kind]
        wanted = [
            s
            for s in by_recipient.get(notification.recipient_id, [])
            if push_type in s.alerts.split() and s.policy != "none"
        ]
        if not wanted:
            continue
        relations = await _relations(session, notification.recipient_id, notification.actor_id)
        for subscription in wanted:
            if subscription.policy == "all" or subscription.policy in relations:
                session.add(
                    PushDelivery(
                        subscription_id=subscription.id,
                        notification_id=notification.id,
                        state=PENDING,
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                queued += 1
    await session.flush()
    return queued


async def _relations(session: AsyncSession, me: int, other: int | None) -> set[str]:
    """`followed` when I follow `other`, `follower` when `other` follows me (accepted)."""
    if other is None:
        return set()
    rows = await session.execute(
        select(Follow.follower_id).where(
            Follow.state == "accepted",
            ((Follow.follower_id == me) & (Follow.followee_id == other))
            | ((Follow.follower_id == other) & (Follow.followee_id == me)),
        )
    )
    found = {follower for (follower,) in rows}
    relations = set()
    if me in found:
        relations.add("followed")
    if other in found:
        relations.add("follower")
    return relations


# --- the worker's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimedPush:
    id: int
    attempts: int
    created_at: datetime
    subscription: PushSubscription
    notification: Notification


async def claim_due(
    session: AsyncSession, worker: str, limit: int, lease: timedelta, now: datetime
) -> list[ClaimedPush]:
    ids = await claims.claim(session, PushDelivery, worker, limit, lease, now)
    if not ids:
        return []
    rows = await session.execute(
        select(PushDelivery, PushSubscription, Notification)
        .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .join(Notification, Notification.id == PushDelivery.notification_id)
        .where(PushDelivery.id.in_(ids))
        .order_by(PushDelivery.id)
    )
    return [ClaimedPush(d.id, d.attempts, d.created_at, s, n) for d, s, n in rows]


async def release_claims(session: AsyncSession, worker: str) -> int:
    return await claims.release(session, PushDelivery, worker)


async def sent(session: AsyncSession, push_id: int) -> None:
    """The push service took it: nothing left to keep."""
    await session.execute(delete(PushDelivery).where(PushDelivery.id == push_id))


async def retry(
    session: AsyncSession, push_id: int, status: int | None, error: str, at: datetime
) -> None:
    await session.execute(
        update(PushDelivery)
        .where(PushDelivery.id == push_id)
        .values(
            attempts=PushDelivery.attempts + 1,
            last_status=status,
            last_error=error[:2000],
            next_attempt_at=at,
            claimed_by=None,
            claimed_until=None,
        )
    )


async def gave_up(session: AsyncSession, push_id: int, status: int | None, error: str) -> None:
    await session.execute(
        update(PushDelivery)
        .where(PushDelivery.id == push_id)
        .values(
            state=GAVE_UP,
            attempts=PushDelivery.attempts + 1,
            last_status=status,
            last_error=error[:2000],
            claimed_by=None,
            claimed_until=None,
        )
    )


async def gone(session: AsyncSession, subscription_id: int) -> None:
    """The push service says the subscription is no more (404, 410): it goes, with its
    queued pushes."""
    await session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))
