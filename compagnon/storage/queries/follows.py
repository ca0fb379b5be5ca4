"""Queries on follow relations, in both directions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, Follow

# Bound parameters per IN (...) list: well under SQLite's 32,766 and PostgreSQL's 65,535.
IN_CHUNK = 500


async def get(session: AsyncSession, follower_id: int, followee_id: int) -> Follow | None:
    result = await session.execute(
        select(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )
    return result.scalar_one_or_none()


async def by_activity(session: AsyncSession, activity_uri: str) -> Follow | None:
    result = await session.execute(select(Follow).where(Follow.activity_uri == activity_uri))
    return result.scalars().first()


async def upsert(
    session: AsyncSession, follower_id: int, followee_id: int, activity_uri: str, state: str
) -> Follow:
    follow = await get(session, follower_id, followee_id)
    if follow is None:
        follow = Follow(
            follower_id=follower_id,
            followee_id=followee_id,
            activity_uri=activity_uri,
            state=state,
        )
        session.add(follow)
    else:
        follow.activity_uri = activity_uri
        follow.state = state
    await session.flush()
    return follow


async def remove(session: AsyncSession, follower_id: int, followee_id: int) -> bool:
    result = await session.execute(
        delete(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def _related(
    session: AsyncSession, actor_id: int, side: str, state: str, limit: int | None, offset: int
) -> list[Actor]:
    """The actors on the other end of `actor_id`'s follows: its followers (side="followers")
    or those it follows (side="following"), newest first."""
    mine, theirs = (
        (Follow.followee_id, Follow.follower_id)
        if side == "followers"
        else (Follow.follower_id, Follow.followee_id)
    )
    query = (
        select(Actor)
        .join(Follow, theirs == Actor.id)
        .where(mine == actor_id, Follow.state == state)
        .order_by(Follow.id.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list((await session.execute(query)).scalars())


async def followers(
    session: AsyncSession,
    followee_id: int,
    *,
    state: str = "accepted",
    limit: int | None = None,
    offset: int = 0,
) -> list[Actor]:
    return await _related(session, followee_id, "followers", state, limit, offset)


async def following(
    session: AsyncSession,
    follower_id: int,
    *,
    state: str = "accepted",
    limit: int | None = None,
    offset: int = 0,
) -> list[Actor]:
    return await _related(session, follower_id, "following", state, limit, offset)


async def page(
    session: AsyncSession,
    actor_id: int,
    side: str,
    *,
    limit: int,
    before_id: int | None = None,
    after_id: int | None = None,
    ascending: bool = False,
) -> list[tuple[int, Actor]]:
    """A page of `actor_id`'s accepted followers (side="followers") or following, by follow
    id (Mastodon pages these lists by the follow's id): newest first below `before_id`, or
    oldest first above `after_id` when `ascending`. (follow id, actor) pairs."""
    mine, theirs = (
        (Follow.followee_id, Follow.follower_id)
        if side == "followers"
        else (Follow.follower_id, Follow.followee_id)
    )
    query = (
        select(Follow.id, Actor)
        .join(Follow, theirs == Actor.id)
        .where(mine == actor_id, Follow.state == "accepted")
    )
    if before_id is not None:
        query = query.where(Follow.id < before_id)
    if after_id is not None:
        query = query.where(Follow.id > after_id)
    query = query.order_by(Follow.id if ascending else Follow.id.desc()).limit(limit)
    return [(int(i), a) for i, a in (await session.execute(query)).all()]


async def _count(session: AsyncSession, column: Any, actor_id: int) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Follow)
        .where(column == actor_id, Follow.state == "accepted")
    )
    return int(result.scalar_one())


async def count_followers(session: AsyncSession, followee_id: int) -> int:
    return await _count(session, Follow.followee_id, followee_id)


async def count_following(session: AsyncSession, follower_id: int) -> int:
    return await _count(session, Follow.follower_id, follower_id)


async def local_followers_of(session: AsyncSession, followee_id: int) -> list[int]:
    """Ids of local actors that follow `followee_id` (for pushing into home timelines)."""
    result = await session.execute(
        select(Actor.id)
        .join(Follow, Follow.follower_id == Actor.id)
        .where(
            Follow.followee_id == followee_id, Follow.state == "accepted", Actor.is_local.is_(True)
        )
    )
    return list(result.scalars())


async def set_notify(session: AsyncSession, follower_id: int, followee_id: int, on: bool) -> bool:
    """Ask (or stop asking) to be told of each new post of `followee_id`, on an existing
    follow or follow request. False when there is no such follow."""
    follow = await get(session, follower_id, followee_id)
    if follow is None:
        return False
    follow.notify = on
    await session.flush()
    return True


# The accounts whose shares a local actor keeps out of her home (Mastodon's follow with
# `reblogs=false`): a list of actor ids in her actor's `raw`, as her other small choices are
# (hide_collections), so no column and no migration.
REBLOGS_HIDDEN = "reblogs_hidden"


def reblogs_hidden(actor: Actor | None) -> set[int]:
    """Whose shares `actor` (a local one) asked not to see at home."""
    listed = (actor.raw or {}).get(REBLOGS_HIDDEN) if actor is not None and actor.is_local else None
    if not isinstance(listed, list):
        return set()
    return {i for i in listed if isinstance(i, int) and not isinstance(i, bool)}


def set_showing_reblogs(follower: Actor, followee_id: int, show: bool) -> None:
    """Show (or stop showing) `followee_id`'s shares in `follower`'s home."""
    hidden = reblogs_hidden(follower)
    hidden = hidden - {followee_id} if show else hidden | {followee_id}
    follower.raw = {**(follower.raw or {}), REBLOGS_HIDDEN: sorted(hidden)}


async def notified_followers(
    session: AsyncSession, followee_ids: Iterable[int]
) -> dict[int, list[int]]:
    """For each of `followee_ids`, the local actors that follow it (accepted) and asked to be
    told of its new posts: {followee id: [follower actor ids]}. Only the accounts someone
    rings the bell for appear."""
    wanted: dict[int, list[int]] = {}
    ids = list(set(followee_ids))
    for start in range(0, len(ids), IN_CHUNK):
        rows = await session.execute(
            select(Follow.followee_id, Follow.follower_id)
            .join(Actor, Actor.id == Follow.follower_id)
            .where(
                Follow.followee_id.in_(ids[start : start + IN_CHUNK]),
                Follow.state == "accepted",
                Follow.notify.is_(True),
                Actor.is_local.is_(True),
            )
            .order_by(Follow.id)
        )
        for followee_id, follower_id in rows:
            wanted.setdefault(followee_id, []).append(follower_id)
    return wanted
