"""Notifications of local actors: what happened to them, newest first, with an unread count.

`notify` is the one way a notification is written (`notify_many` the same for a batch).
Other areas call it too (attendance of an event, a remix of a resource):
`notify(session, recipient_actor_id, kind, actor, object_uri)` in the caller's transaction,
with `kind` one of KINDS (add a kind there and its sentence in server/views/social.py:
NOTIFICATION_TEXT). Both queue the Web Push of the recipient's apps
(storage/queries/push.py) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, Notification, Reaction, utcnow
from compagnon.storage.queries import push

KINDS = (
    "follow",
    "follow_request",
    "reply",
    "like",
    "share",
    "mention",
    "attendance",
    "remix",
    "poll",  # a question one voted in or asked has ended (federation/poll_end.py)
    "update",
    "status",  # a new post of an account one asked to be told of (follows.notify)
)
# Kinds one may be told of about one's own doing: one's own question ending.
ABOUT_ONESELF = ("poll",)


async def notify(
    session: AsyncSession,
    recipient_actor_id: int,
    kind: str,
    actor: Actor | int | None,
    object_uri: str | None = None,
) -> Notification | None:
    """Tell a local actor that `actor` did `kind` (about `object_uri`). Nothing is written
    when someone acts on their own things (liking one's own post is no news)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    actor_id = actor.id if isinstance(actor, Actor) else actor
    if actor_id == recipient_actor_id and kind not in ABOUT_ONESELF:
        return None
    row = Notification(
        recipient_id=recipient_actor_id, kind=kind, actor_id=actor_id, object_uri=object_uri
    )
    session.add(row)
    await session.flush()
    await push.queue_for(session, row)
    return row


async def notify_edited(session: AsyncSession, object_uri: str, author_id: int) -> None:
    """An edited post (ours or a peer's) tells the local actors who liked or shared it
    (Mastodon's `update` notification), each once."""
    readers = await session.scalars(
        select(Reaction.actor_id)
        .join(Actor, Actor.id == Reaction.actor_id)
        .where(Reaction.object_uri == object_uri, Actor.is_local.is_(True))
        .distinct()
    )
    for reader_id in list(readers):
        await notify(session, reader_id, "update", author_id, object_uri)


async def notify_many(
    session: AsyncSession, items: Iterable[tuple[int, str, int | None, str | None]]
) -> int:
    """`notify` for many (recipient_actor_id, kind, actor_id, object_uri) at once, in order:
    one INSERT for all. The worker's batch of received posts used to flush one row at a time
    (about two thirds of applying a batch of Creates that mention a local actor). How many
    were written."""
    rows = []
    for recipient_id, kind, actor_id, object_uri in items:
        if kind not in KINDS:
            raise ValueError(f"unknown notification kind {kind!r}")
        if actor_id != recipient_id or kind in ABOUT_ONESELF:
            rows.append(
                {
                    "recipient_id": recipient_id,
                    "kind": kind,
                    "actor_id": actor_id,
                    "object_uri": object_uri,
                    "created_at": utcnow(),
                }
            )
    if rows:
        written = await session.scalars(insert(Notification).returning(Notification), rows)
        await push.queue_for_many(session, list(written))
    return len(rows)


async def latest(
    session: AsyncSession,
    recipient_actor_id: int,
    *,
    limit: int = 30,
    before_id: int | None = None,
    after_id: int | None = None,
    ascending: bool = False,
    kinds: tuple[str, ...] | None = None,
) -> list[tuple[Notification, Actor | None]]:
    """Newest first, below `before_id`; above `after_id` too (`ascending`: the ones just
    after it, oldest first: the Mastodon API's min_id); only `kinds` when given."""
    query = (
        select(Notification, Actor)
        .outerjoin(Actor, Actor.id == Notification.actor_id)
        .where(Notification.recipient_id == recipient_actor_id)
    )
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    if after_id is not None:
        query = query.where(Notification.id > after_id)
    if kinds is not None:
        query = query.where(Notification.kind.in_(kinds))
    order = Notification.id.asc() if ascending else Notification.id.desc()
    query = query.order_by(order).limit(limit)
    return [(n, a) for n, a in await session.execute(query)]


async def unread_count(session: AsyncSession, recipient_actor_id: int) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == recipient_actor_id, Notification.read_at.is_(None))
    )
    return int(result.scalar_one())


async def mark_read(
    session: AsyncSession, recipient_actor_id: int, when: datetime | None = None
) -> None:
    await session.execute(
        update(Notification)
        .where(Notification.recipient_id == recipient_actor_id, Notification.read_at.is_(None))
        .values(read_at=when or utcnow())
    )


async def dismiss(
    session: AsyncSession, recipient_actor_id: int, notification_id: int | None = None
) -> int:
    """Remove one notification of `recipient_actor_id` (or all of them, without an id)."""
    from sqlalchemy import delete

    query = delete(Notification).where(Notification.recipient_id == recipient_actor_id)
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = await session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)
