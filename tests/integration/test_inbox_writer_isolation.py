"""The inbox's group commit never lets one row fail the others: a row the database or the
JSON encoder refuses is answered on its own (UnstorableActivity, a 400 at the inbox), the rows
that came with it are stored; a database that is really unavailable fails the batch (503)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from compagnon.federation.inbox.writer import InboxWriter, UnstorableActivity
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.migrate import upgrade


@dataclass
class Writing:
    writer: InboxWriter
    sessions: async_sessionmaker[AsyncSession]
    engine: AsyncEngine


@pytest.fixture
async def writing(database_url: str) -> AsyncIterator[Writing]:
    engine = create_engine(database_url)
    await upgrade(engine)
    sessions = create_sessionmaker(engine)
    writer = InboxWriter(sessions)
    try:
        yield Writing(writer, sessions, engine)
    finally:
        await writer.stop()
        await engine.dispose()


def row(n: int, raw: Any = None) -> dict[str, Any]:
    uri = f"https://peer.test/activities/{n}"
    return {
        "uri": uri,
        "type": "Create",
        "actor_uri": "https://peer.test/users/a",
        "object_uri": None,
        "raw": {"id": uri, "type": "Create"} if raw is None else raw,
        "host": "peer.test",
    }


def too_deep_for_orjson(levels: int = 300) -> dict[str, Any]:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"nested": value}
    return {"id": "https://peer.test/activities/deep", "type": "Create", "object": value}


async def stored_uris(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessions() as session:
        return set((await session.execute(text("SELECT uri FROM activities"))).scalars())


async def test_a_row_that_cannot_be_written_fails_alone(writing: Writing) -> None:
    rows = [row(n) for n in range(20)]
    rows.insert(7, row(999, too_deep_for_orjson()))
    answers = await asyncio.gather(*(writing.writer.store(r) for r in rows), return_exceptions=True)
    refused = [r["uri"] for r, a in zip(rows, answers, strict=True) if a is not None]
    assert refused == ["https://peer.test/activities/999"]
    assert isinstance(answers[7], UnstorableActivity)
    assert await stored_uris(writing.sessions) == {row(n)["uri"] for n in range(20)}


async def test_a_nul_in_an_id_fails_alone_on_postgresql(writing: Writing, backend: str) -> None:
    """PostgreSQL refuses NUL in text (SQLite keeps it): the row alone is refused there."""
    bad = {**row(5), "uri": "https://peer.test/activities/\x00nul"}
    answers = await asyncio.gather(
        *(writing.writer.store(r) for r in [row(1), bad, row(2)]), return_exceptions=True
    )
    assert answers[0] is None and answers[2] is None
    if backend == "postgresql":
        assert isinstance(answers[1], UnstorableActivity)
        assert await stored_uris(writing.sessions) == {row(1)["uri"], row(2)["uri"]}
    else:
        assert answers[1] is None  # SQLite keeps it (the inbox refuses NUL before this)


async def test_an_unavailable_database_fails_the_batch_and_the_writer_lives_on(
    writing: Writing,
) -> None:
    async with writing.sessions.begin() as session:
        await session.execute(text("ALTER TABLE activities RENAME TO activities_away"))
    answers = await asyncio.gather(
        *(writing.writer.store(row(n)) for n in range(5)), return_exceptions=True
    )
    assert all(isinstance(a, SQLAlchemyError) for a in answers)  # the inbox answers 503
    assert not any(isinstance(a, UnstorableActivity) for a in answers)
    async with writing.sessions.begin() as session:
        await session.execute(text("ALTER TABLE activities_away RENAME TO activities"))
    await writing.writer.store(row(6))
    assert await stored_uris(writing.sessions) == {row(6)["uri"]}


async def test_the_writer_survives_a_failed_read_of_unreachable_peers(writing: Writing) -> None:
    """The writer re-reads the unreachable peers before a batch: that read failing must fail
    the batch (503), not end the writer (every later request would wait forever)."""
    async with writing.sessions.begin() as session:
        await session.execute(text("ALTER TABLE peers RENAME TO peers_away"))
    with pytest.raises(SQLAlchemyError):
        async with asyncio.timeout(10):
            await writing.writer.store(row(1))
    async with writing.sessions.begin() as session:
        await session.execute(text("ALTER TABLE peers_away RENAME TO peers"))
    async with asyncio.timeout(10):
        await writing.writer.store(row(2))
    assert await stored_uris(writing.sessions) == {row(2)["uri"]}
