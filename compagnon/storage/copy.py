"""Copy a whole node's database into another one (SQLite to PostgreSQL, to scale): every table
of the models, in foreign-key order, in batches, then the counters PostgreSQL keeps for ids.

The search index is not copied: its full-text part is built differently on each database
(FTS5 on SQLite, a tsvector on PostgreSQL), so the caller rebuilds it on the target from the
objects (operations/db_copy.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from compagnon.storage.models import (
    Base,
    SearchEntry,
    SearchTerm,
    StatisticsAuthor,
    StatisticsCount,
)

BATCH = 1000
# Rebuilt on the target, not copied: the search index, and the statistics counts that
# re-indexing keeps as it goes (storage/queries/statistics_counts.py).
DERIVED = frozenset(
    {
        SearchEntry.__tablename__,
        SearchTerm.__tablename__,
        StatisticsCount.__tablename__,
        StatisticsAuthor.__tablename__,
    }
)

Progress = Callable[[str, int], None]  # table name, rows copied so far


class TargetNotEmpty(Exception):
    """The target already holds a node: copying into it would mix two nodes."""


@dataclass(frozen=True)
class Copied:
    table: str
    source_rows: int
    target_rows: int


def copied_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in DERIVED]


async def count(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def copy_tables(
    source: AsyncEngine, target: AsyncEngine, progress: Progress | None = None
) -> list[Copied]:
    """Copy every table; the target must be migrated and empty. One transaction on the
    target: a failure halfway leaves it empty, so the copy can simply be run again."""
    tables = copied_tables()
    for table in tables:
        if await count(target, table):
            raise TargetNotEmpty(table.name)
    async with target.begin() as writing, source.connect() as reading:
        for table in tables:
            order = list(table.primary_key.columns) or list(table.columns)
            done = 0
            result = await reading.stream(select(table).order_by(*order))
            async for rows in result.partitions(BATCH):
                await writing.execute(insert(table), [dict(row._mapping) for row in rows])
                done += len(rows)
                if progress is not None:
                    progress(table.name, done)
        if target.dialect.name == "postgresql":
            for table in tables:
                await _advance_sequence(writing, table)
    return [Copied(t.name, await count(source, t), await count(target, t)) for t in tables]


async def _advance_sequence(connection: object, table: Table) -> None:
    """Rows came with their ids: move the id sequence past them, or the next insert fails."""
    if "id" not in table.columns or not table.columns["id"].autoincrement:
        return
    await connection.execute(  # type: ignore[attr-defined]
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
        )
    )
