"""Queries on the items of modules and journeys (CollectionItem) and on what holds a
resource. A collection's items are replaced whole whenever its document changes (publish,
Add, Remove, Update, a received Create): a few hundred rows at most."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, CollectionItem, Object

KINDS = ("Module", "Journey")


async def replace_items(
    session: AsyncSession, collection_id: int, phases: Sequence[tuple[str, Sequence[str]]]
) -> None:
    """The items of one collection, as `(phase, item URIs)` in order ("" for a module)."""
    await session.execute(
        delete(CollectionItem).where(CollectionItem.collection_id == collection_id)
    )
    rows = [
        {"collection_id": collection_id, "phase": phase, "position": n, "item_uri": uri}
        for phase, uris in phases
        for n, uri in enumerate(uris)
    ]
    if rows:
        await session.execute(insert(CollectionItem), rows)


async def items_of(session: AsyncSession, collection_id: int) -> list[tuple[str, str]]:
    """(phase, item URI) in order."""
    result = await session.execute(
        select(CollectionItem.phase, CollectionItem.item_uri)
        .where(CollectionItem.collection_id == collection_id)
        .order_by(CollectionItem.id)
    )
    return [(phase, uri) for phase, uri in result]


async def containing(session: AsyncSession, item_uri: str, limit: int = 50) -> list[Object]:
    """The modules and journeys (here or received, not deleted, not private) that list
    `item_uri`, newest first."""
    holding = select(CollectionItem.collection_id).where(CollectionItem.item_uri == item_uri)
    result = await session.execute(
        select(Object)
        .where(
            Object.id.in_(holding),  # IN, not DISTINCT: PostgreSQL cannot compare JSON columns
            Object.deleted_at.is_(None),
            Object.type.in_(KINDS),
            Object.visibility.in_(("public", "unlisted")),
        )
        .order_by(Object.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def titles(session: AsyncSession, uris: Sequence[str]) -> dict[str, str]:
    """The names this node knows for some object URIs (items shown with their titles)."""
    wanted = list(dict.fromkeys(uris))[:1000]
    if not wanted:
        return {}
    result = await session.execute(
        select(Object.uri, Object.name).where(
            Object.uri.in_(wanted), Object.deleted_at.is_(None), Object.name != ""
        )
    )
    return {uri: name for uri, name in result}


async def of_actor(session: AsyncSession, actor_id: int, kind: str | None = None) -> list[Object]:
    query = select(Object).where(
        Object.actor_id == actor_id,
        Object.deleted_at.is_(None),
        Object.type.in_([kind] if kind else KINDS),
    )
    return list((await session.execute(query.order_by(Object.id))).scalars())


async def by_uri_with_author(session: AsyncSession, uri: str) -> tuple[Object, Actor] | None:
    result = await session.execute(
        select(Object, Actor).join(Actor, Actor.id == Object.actor_id).where(Object.uri == uri)
    )
    row = result.first()
    return (row[0], row[1]) if row else None
