"""`compagnon db copy --to URL`: move a node to another database (SQLite to PostgreSQL when
it outgrows one file), keeping every row; the search index is rebuilt on the target."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from compagnon.config import Settings
from compagnon.federation.search_index import index_stored
from compagnon.storage.copy import Copied, Progress, copy_tables
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Object

REINDEX_BATCH = 500


async def copy_database(
    settings: Settings, target_url: str, progress: Progress | None = None
) -> tuple[list[Copied], int]:
    """Copy the node's database to `target_url` (migrated first, and refused unless empty);
    returns the rows per table on both sides and how many objects were re-indexed."""
    source = create_engine(settings.resolved_database_url)
    target = create_engine(target_url)
    try:
        await upgrade(source)  # both at this code's schema: the tables match one for one
        await upgrade(target)
        copied = await copy_tables(source, target, progress)
        indexed = await reindex(target)
    finally:
        await source.dispose()
        await target.dispose()
    return copied, indexed


async def reindex(engine: AsyncEngine) -> int:
    """Rebuild the search index (and event times) from the objects, in id order, batched."""
    sessions = create_sessionmaker(engine)
    last, seen = 0, 0
    while True:
        async with sessions.begin() as session:
            batch = list(
                (
                    await session.execute(
                        select(Object)
                        .where(Object.id > last)
                        .order_by(Object.id)
                        .limit(REINDEX_BATCH)
                    )
                ).scalars()
            )
            if not batch:
                return seen
            await index_stored(session, batch)
        last, seen = batch[-1].id, seen + len(batch)
