"""Queries on objects (posts and resources), tombstones and home timelines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Activity, Actor, Object, Reaction, TimelineEntry, User


async def by_uri(session: AsyncSession, uri: str) -> Object | None:
    result = await session.execute(select(Object).where(Object.uri == uri))
    return result.scalar_one_or_none()


async def add(session: AsyncSession, **fields: Any) -> Object:
    obj = Object(**fields)
    session.add(obj)
    await session.flush()
    return obj


async def push_to_timelines(session: AsyncSession, object_id: int, actor_ids: list[int]) -> None:
    """Materialise the object into the home timeline of each local user among `actor_ids`."""
    if not actor_ids:
        return
    users = list(
        (await session.execute(select(User.id).where(User.actor_id.in_(actor_ids)))).scalars()
    )
    if not users:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(TimelineEntry)
        .values([{"user_id": u, "object_id": object_id} for u in users])
        .on_conflict_do_nothing(index_elements=["user_id", "object_id"])
    )


async def home_timeline(
    session: AsyncSession, user_id: int, limit: int = 20, before_id: int | None = None
) -> list[tuple[Object, Actor]]:
    query = (
        select(Object, Actor)
        .join(TimelineEntry, TimelineEntry.object_id == Object.id)
        .join(Actor, Actor.id == Object.actor_id)
        .where(TimelineEntry.user_id == user_id, Object.deleted_at.is_(None))
        .where(Actor.suspended_at.is_(None))  # a suspended account's posts are shown to nobody
    )
    if before_id is not None:
        query = query.where(TimelineEntry.id < before_id)
    query = query.order_by(TimelineEntry.id.desc()).limit(limit)
    return [(o, a) for o, a in (await session.execute(query))]


async def by_actor(
    session: AsyncSession,
    actor_id: int,
    *,
    visibilities: tuple[str, ...] = ("public",),
    limit: int = 20,
) -> list[Object]:
    query = (
        select(Object)
        .where(
            Object.actor_id == actor_id,
            Object.deleted_at.is_(None),
            Object.visibility.in_(visibilities),
        )
        .order_by(Object.published.desc(), Object.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def shared_by(session: AsyncSession, actor: Actor, *, limit: int = 20) -> list[Object]:
    """The public posts and resources an actor handed on: a centre's Announces of its
    trainers' resources (ours, kept as activities; a peer centre's, kept as reactions)."""
    announced = select(Activity.object_uri).where(
        Activity.type == "Announce", Activity.actor_uri == actor.uri
    )
    boosted = select(Reaction.object_uri).where(
        Reaction.kind == "announce", Reaction.actor_id == actor.id
    )
    query = (
        select(Object)
        .join(Actor, Actor.id == Object.actor_id)
        .where(
            Object.uri.in_(announced.union(boosted)),
            Object.deleted_at.is_(None),
            Object.visibility == "public",
            Actor.suspended_at.is_(None),
        )
        .order_by(Object.published.desc(), Object.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def count_local(session: AsyncSession) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Object)
        .where(Object.is_local.is_(True), Object.deleted_at.is_(None))
    )
    return int(result.scalar_one())


async def count_by_actor(session: AsyncSession, actor_id: int) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Object)
        .where(
            Object.actor_id == actor_id,
            Object.deleted_at.is_(None),
            Object.visibility == "public",
        )
    )
    return int(result.scalar_one())


async def names_by_uris(session: AsyncSession, uris: set[str]) -> dict[str, str]:
    """The names (titles) of the stored, not deleted objects among `uris`, by URI."""
    if not uris:
        return {}
    rows = await session.execute(
        select(Object.uri, Object.name).where(
            Object.uri.in_(uris), Object.deleted_at.is_(None), Object.name != ""
        )
    )
    return {uri: name for uri, name in rows.all()}
