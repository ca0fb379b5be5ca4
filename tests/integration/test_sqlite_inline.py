"""SQLite on the event loop's thread (storage/sqlite_inline.py): a writer that finds the lock
taken waits without stopping the loop, so the holder, a coroutine of the same loop, can
finish; a wait that cannot help fails at once; a task's patience bounds its wait."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.sqlite_inline import CHECKPOINT_EVERY, checkpointer, patience, retrying


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (body TEXT)"))
    yield engine
    await engine.dispose()


async def _bodies(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        result = await connection.execute(text("SELECT body FROM notes ORDER BY body"))
        return [row[0] for row in result]


async def test_a_writer_waits_for_a_holder_on_the_same_loop(engine: AsyncEngine) -> None:
    """The holder awaits something else (a fetch, here an event) before it commits. A second
    writer that blocked the thread in SQLite's busy handler would stop the loop, the holder
    could never commit, and both would fail after 10 s."""
    sessions = create_sessionmaker(engine)
    holding, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with sessions.begin() as session:
            await session.execute(text("INSERT INTO notes VALUES ('first')"))
            holding.set()
            await release.wait()

    async def second() -> None:
        async with sessions.begin() as session:
            await session.execute(text("INSERT INTO notes VALUES ('second')"))

    first = asyncio.create_task(holder())
    await holding.wait()
    waiting = asyncio.create_task(second())
    for _ in range(20):  # loop turns: the second writer tries, finds the lock, pauses
        await asyncio.sleep(0)
    assert not waiting.done()  # it waits, and this test's coroutine still runs
    release.set()
    await asyncio.gather(first, waiting)
    assert await _bodies(engine) == ["first", "second"]


async def test_a_writer_after_the_lock_is_released_goes_on(tmp_path: Path) -> None:
    """The statement is tried again once the other connection lets go: a refusal is not
    an error while the patience lasts."""
    path = tmp_path / "raw.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE notes (body TEXT)")
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    tries = 0

    def write() -> None:
        nonlocal tries
        tries += 1
        if tries == 1:  # the holder commits on the loop's next turn, during the pause
            asyncio.get_running_loop().call_soon(holder.execute, "COMMIT")
        writer.execute("INSERT INTO notes VALUES ('after')")

    await retrying(write)
    assert tries == 2
    assert holder.execute("SELECT body FROM notes").fetchall() == [("after",)]
    holder.close()
    writer.close()


async def test_a_stale_snapshot_fails_at_once(tmp_path: Path) -> None:
    """A transaction that read before another writer committed can never write: SQLite says
    SQLITE_BUSY_SNAPSHOT, and trying again for 10 s would only delay the error."""
    path = tmp_path / "raw.sqlite3"
    reader = sqlite3.connect(path, isolation_level=None, timeout=0)
    reader.execute("PRAGMA journal_mode=WAL")
    reader.execute("CREATE TABLE notes (body TEXT)")
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM notes").fetchall()
    other.execute("INSERT INTO notes VALUES ('other')")
    tries = 0

    def write() -> None:
        nonlocal tries
        tries += 1
        reader.execute("INSERT INTO notes VALUES ('stale')")

    with pytest.raises(sqlite3.OperationalError) as raised:
        await retrying(write)
    assert raised.value.sqlite_errorcode == 517  # SQLITE_BUSY_SNAPSHOT
    assert tries == 1
    reader.execute("ROLLBACK")
    reader.close()
    other.close()


async def test_patience_bounds_the_wait_and_the_connection_stays_usable(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """A reader storing what it rendered gives up past its patience (handover/rendered.py);
    the refused transaction rolls back and the pooled connection serves the next one."""
    holder = sqlite3.connect(tmp_path / "inline.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    sessions = create_sessionmaker(engine)
    with pytest.raises(OperationalError, match="database is locked"), patience(0.01):
        async with sessions.begin() as session:
            await session.execute(text("INSERT INTO notes VALUES ('refused')"))
    holder.execute("COMMIT")
    holder.close()
    async with sessions.begin() as session:
        await session.execute(text("INSERT INTO notes VALUES ('later')"))
    assert await _bodies(engine) == ["later"]


async def test_the_wal_is_checkpointed_off_the_loop_every_so_many_commits(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """SQLite's own checkpoint (copying the WAL back into the database file, with fsyncs)
    would run inside a commit, on the loop's thread; the connections leave it to the
    Checkpointer's thread. Before the count, the database file does not grow whatever the
    WAL holds; at the count, the thread copies it back."""
    database = tmp_path / "inline.sqlite3"
    checkpoints = checkpointer(database)
    sessions = create_sessionmaker(engine)
    row = "x" * 48_000  # a dozen pages a commit: 99 commits pass SQLite's own 1,000 pages
    committed = 1  # the fixture's CREATE TABLE
    before = database.stat().st_size
    while committed < CHECKPOINT_EVERY - 1:
        async with sessions.begin() as session:
            await session.execute(text("INSERT INTO notes VALUES (:body)"), {"body": row})
        committed += 1
    assert checkpoints.pending is None
    assert database.stat().st_size == before  # everything is still in the WAL
    async with sessions.begin() as session:
        await session.execute(text("INSERT INTO notes VALUES ('the last')"))
    assert checkpoints.pending is not None
    await asyncio.wrap_future(checkpoints.pending)
    assert database.stat().st_size > 99 * len(row)
    assert len(await _bodies(engine)) == CHECKPOINT_EVERY - 1
