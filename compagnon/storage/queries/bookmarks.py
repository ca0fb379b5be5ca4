"""Bookmarks: statuses a local actor kept for later (server/api/bookmarks.py). Private to
their owner: nothing here is federated, and no other reader sees them. The list pages by the
bookmark's id (newest bookmark first), as Mastodon's does."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, Bookmark, Object


async def add(session: AsyncSession, actor_id: int, object_id: int) -> bool:
    """Bookmark once (False when it already was)."""
    held = await session.scalar(
        select(Bookmark.id).where(Bookmark.actor_id == actor_id, Bookmark.object_id == object_id)
    )
    if held is not None:
        return False
    session.add(Bookmark(actor_id=actor_id, object_id=object_id))
    await session.flush()
    return True


async def remove(session: AsyncSession, actor_id: int, object_id: int) -> None:
    await session.execute(
        delete(Bookmark).where(Bookmark.actor_id == actor_id, Bookmark.object_id == object_id)
    )


async def among(session: AsyncSession, actor_id: int, object_ids: Sequence[int]) -> set[int]:
    """Which of `object_ids` the actor bookmarked."""
    if not object_ids:
        return set()
    rows = await session.scalars(
        select(Bookmark.object_id).where(
            Bookmark.actor_id == actor_id, Bookmark.object_id.in_(list(object_ids))
        )
    )
    return set(rows)


async def page(
    session: AsyncSession,
    actor_id: int,
    *,
    limit: int,
    before_id: int | None = None,
    after_id: int | None = None,
    ascending: bool = False,
) -> list[tuple[int, Object, Actor]]:
    """(bookmark id, status, author), newest bookmark first (`ascending`: the oldest after
    `after_id` first, for `min_id`). Deleted statuses are left out."""
    query = (
        select(Bookmark.id, Object, Actor)
        .join(Object, Object.id == Bookmark.object_id)
        .join(Actor, Actor.id == Object.actor_id)
        .where(
            Bookmark.actor_id == actor_id,
            Object.deleted_at.is_(None),
            Actor.suspended_at.is_(None),
        )
    )
    if before_id is not None:
        query = query.where(Bookmark.id < before_id)
    if after_id is not None:
        query = query.where(Bookmark.id > after_id)
    order = Bookmark.id.asc() if ascending else Bookmark.id.desc()
    rows = await session.execute(query.order_by(order).limit(limit))
    return [(int(bid), obj, author) for bid, obj, author in rows]
