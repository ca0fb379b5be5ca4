"""SQLite for the async engine without a thread hop per call.

SQLAlchemy's aiosqlite dialect drives the driver through aiosqlite, which runs each call (open
a cursor, execute, fetch, close the cursor, commit) on a thread of its own and wakes the event
loop with the answer: four hops for a SELECT, each a queue put, a thread switch and a write to
the loop's self-pipe. For the small statements a node runs (well under a millisecond inside
SQLite) the hops cost more than the statements: without them a SQLite node spends about a
third less CPU per activity (bench/README.md, "SQLite on the event loop's thread").

This module gives the same dialect a connection with aiosqlite's interface whose calls run
sqlite3 at once on the loop's thread (`create_async_engine(async_creator=...)`, a documented
hook). What that changes, and why it is safe:

- A transaction that only talks to the database no longer yields to the loop between its
  statements, so two coroutines of this process cannot interleave inside one.
- Waiting for the write lock must not block the loop: the holder may be a coroutine of this
  same loop that awaits something else (a fetch) before it commits, and a blocked loop would
  never let it. So these connections set no busy timeout; a statement refused with SQLITE_BUSY
  is tried again after an asynchronous pause, up to the same 10 s budget the threaded driver
  had. A refusal that waiting cannot cure (SQLITE_BUSY_SNAPSHOT: another writer committed
  since this transaction read) is raised at once, as SQLite's own busy handler does.
- A long query holds the loop for its duration. A node's reads are indexed and small; the
  queries that scan (search, statistics at a national scale) run on PostgreSQL, which this
  does not touch.
- SQLite's automatic WAL checkpoint runs inside the commit that crosses its threshold, on
  the committing thread: copying up to 4 MB back into the database file and two fsyncs, a
  stall of the whole node if that thread is the loop's (9 ms here; far more on the SD card of
  a small centre's server). These connections turn it off, and `Checkpointer` runs it on a
  thread of its own every CHECKPOINT_EVERY commits of the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Final, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

BUSY_BUDGET: Final = 10.0  # seconds a statement waits for the write lock in all
FIRST_PAUSE: Final = 0.001
LONGEST_PAUSE: Final = 0.05
# Commits between two WAL checkpoints: a node's commit writes a few to a few dozen pages, so
# about what SQLite's own threshold (1,000 pages, 4 MB) would do.
CHECKPOINT_EVERY: Final = 100

_budget: ContextVar[float] = ContextVar("sqlite_busy_budget", default=BUSY_BUDGET)


@contextlib.contextmanager
def patience(seconds: float) -> Iterator[None]:
    """Within this block, this task's statements wait at most `seconds` for the write lock
    (a reader that stores what it made gives up rather than queue behind writers)."""
    token = _budget.set(seconds)
    try:
        yield
    finally:
        _budget.reset(token)


async def retrying(call: Callable[[], T]) -> T:
    """`call()`, tried again while SQLite answers SQLITE_BUSY (another connection holds the
    write lock), pausing without blocking the loop, for as long as the task's `patience`."""
    budget = _budget.get()
    pause = FIRST_PAUSE
    deadline: float | None = None
    while True:
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
                raise
            now = time.monotonic()
            if deadline is None:
                deadline = now + budget
            if now >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


class InlineCursor:
    """aiosqlite's Cursor interface over a sqlite3 cursor, run at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        """SQLAlchemy's adapter awaits this on every new cursor (aiosqlite opens it there)."""
        return self

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await retrying(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)  # a retry must see every row again
        await retrying(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


# One thread for every database's checkpoints: they are rare and short.
_checkpoint_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-checkpoint")


class Checkpointer:
    """WAL checkpoints of one database file, off the event loop's thread (see above)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._commits = 0
        self.pending: Future[None] | None = None  # the checkpoint running or queued, if any

    def committed(self) -> None:
        """Count a commit of this process (on the loop's thread); every CHECKPOINT_EVERY,
        unless one is still running, hand a checkpoint to the thread."""
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY:
            return
        if self.pending is not None and not self.pending.done():
            return
        self._commits = 0
        self.pending = _checkpoint_thread.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        # PASSIVE: copy what no reader still needs, never wait for a reader or a writer. Its own
        # connection, opened for the purpose; `mode=rw` never creates a file that is gone.
        uri = f"{self.path.as_uri()}?mode=rw"
        try:
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # the next one will try again
            log.warning("WAL checkpoint of %s failed: %s", self.path, exc)


_checkpointers: dict[Path, Checkpointer] = {}


def checkpointer(path: Path) -> Checkpointer:
    """The one Checkpointer of this process for the database at `path`: every engine on the
    file counts its commits together."""
    path = path.resolve()
    found = _checkpointers.get(path)
    if found is None:
        found = _checkpointers[path] = Checkpointer(path)
    return found


class InlineConnection:
    """aiosqlite's Connection interface (the part SQLAlchemy's dialect calls) over one
    sqlite3 connection, used only on the event loop's thread."""

    def __init__(
        self, connection: sqlite3.Connection, checkpoints: Checkpointer | None = None
    ) -> None:
        self._conn = connection
        # SQLAlchemy's adapter checks `_connection` to know the connection is still open.
        self._connection: sqlite3.Connection | None = connection
        self._checkpoints = checkpoints

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def commit(self) -> None:
        await retrying(self._conn.commit)
        if self._checkpoints is not None:
            self._checkpoints.committed()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Terminate (SQLAlchemy's force close): close now."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def connector(args: Sequence[Any], kwargs: Mapping[str, Any]) -> Callable[[], Any]:
    """The `async_creator` for `create_async_engine`: opens an InlineConnection with the
    arguments the dialect would have given sqlite3 (`dialect.create_connect_args`)."""

    database = str(args[0]) if args else ":memory:"
    in_memory = database == ":memory:" or database.startswith("file::memory:")
    checkpoints = None if in_memory else checkpointer(Path(database))

    async def connect() -> InlineConnection:
        # No busy timeout: the wait for the lock is retrying's, off the loop's back.
        connection = sqlite3.connect(*args, **{**kwargs, "timeout": 0.0})
        return InlineConnection(connection, checkpoints)

    return connect
