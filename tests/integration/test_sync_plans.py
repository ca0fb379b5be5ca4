"""storage/plans.py: a new aggregator's first sync grows `objects` from empty, faster than
autovacuum analyses it. The lookup of which URIs a page already holds must keep reading the
unique index as the table grows, not a plan PostgreSQL cached while the table was empty
(which read the whole table for every page: bench/README.md, "Catalogue sync, the CPU of a
record")."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.ingest import Incoming, store_remote_objects
from compagnon.storage.db import create_engine, create_sessionmaker, is_sqlite
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Actor

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
HOST = "https://centre.example"
BATCH = 20  # one page's size every time: the same prepared statement each time
GROWN = 5_000


def note(n: int) -> dict[str, Any]:
    return {
        "id": f"{HOST}/objects/{n}",
        "type": "Note",
        "attributedTo": f"{HOST}/users/t",
        "content": f"<p>note {n}</p>",
        "to": [PUBLIC],
        "published": "2026-03-01T12:00:00Z",
    }


async def store_page(session: AsyncSession, author: Actor, first: int) -> None:
    docs = [note(n) for n in range(first, first + BATCH)]
    await store_remote_objects(session, [Incoming(author, doc, "catalogue") for doc in docs])


async def objects_read_by_scans(session: AsyncSession) -> int:
    """Rows of `objects` this transaction read by sequential scans (not flushed yet, so
    exact and this connection's only)."""
    read = await session.scalar(
        text("SELECT seq_tup_read FROM pg_stat_xact_user_tables WHERE relname = 'objects'")
    )
    return int(read or 0)


async def test_the_held_lookup_reads_the_index_while_objects_grows(database_url: str) -> None:
    if is_sqlite(database_url):
        pytest.skip("SQLite plans every statement anew")
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        sessions = create_sessionmaker(engine)
        async with sessions.begin() as session:
            session.add(
                Actor(
                    uri=f"{HOST}/users/t",
                    type="Person",
                    username="t",
                    domain="centre.example",
                    followers_url=f"{HOST}/users/t/followers",
                )
            )
        # Pages into a nearly empty table: PostgreSQL settles on a generic plan after five.
        for page in range(8):
            async with sessions.begin() as session:
                author = await session.get_one(Actor, 1)
                await store_page(session, author, page * BATCH)
        # The table grows (another stream's pages: rows of a resource's size, ~1.3 KB of
        # content that does not compress), and nothing analyses it.
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO objects (uri, type, actor_id, is_local, visibility, content,"
                    " summary, name, language, url, recipients, published)"
                    " SELECT :base || g, 'Note', 1, false, 'public',"
                    " (SELECT string_agg(md5(g::text || '/' || i::text), ' ')"
                    "  FROM generate_series(1, 40) AS i),"
                    " '', '', 'en', '', '{}', now() FROM generate_series(1, :n) AS g"
                ),
                {"base": f"{HOST}/other/", "n": GROWN},
            )
        async with sessions.begin() as session:
            author = await session.get_one(Actor, 1)
            await store_page(session, author, 10_000)
            read = await objects_read_by_scans(session)
        assert read < GROWN, f"the page's lookups scanned {read} rows of objects"
    finally:
        await engine.dispose()
