"""Lookups planned for the values they are given, on PostgreSQL.

PostgreSQL keeps a prepared statement's generic plan after five runs, and our driver prepares
every statement once per connection. A plan made while a table was nearly empty stays until
the table is analysed again; a new aggregator's first catalogue sync grows `objects` from
empty faster than autovacuum analyses it (and a server may run with autovacuum off), so the
lookup of which URIs are held read the whole table for every page: 2.3 ms of PostgreSQL's CPU
a record at 100,000 records, against 0.6 (bench/README.md, "Catalogue sync, the CPU of a
record"). A custom plan sees the table's real size.

Only around the lookups that need it: custom plans for a batch's inserts, whose foreign-key
checks are planned too, cost more than they save.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@asynccontextmanager
async def custom_plans(session: AsyncSession) -> AsyncIterator[None]:
    """Statements inside are planned for their own parameters (PostgreSQL; nothing on
    SQLite, which plans every statement anew)."""
    postgresql = session.bind is not None and session.bind.dialect.name == "postgresql"
    if postgresql:
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield
    if postgresql:
        await session.execute(text("SET LOCAL plan_cache_mode TO DEFAULT"))
