"""The async engine and sessions: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final, TypeVar

import orjson
import sqlalchemy
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


SQLITE_BUSY_TIMEOUT_MS: Final = 10_000  # how long a second writer waits for the lock


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; busy_timeout makes a second writer wait
    # instead of failing; NORMAL sync is durable in WAL mode except on power loss mid-checkpoint.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


STARTUP_LOCK: Final = 0x636F6D70  # "comp"; with the database's name, one lock per database


async def hold_startup_lock(connection: AsyncConnection | AsyncSession) -> None:
    """Until this transaction ends, be the only process of this database starting up.

    Web processes forked together, and workers on other machines, start at the same moment:
    unserialised, two of them ran the migrations at once, or both created the node's secret
    and one died on the unique key (gunicorn then stops every process: "Worker failed to
    boot"). On PostgreSQL a transaction-level advisory lock makes the second wait and then
    find what the first made. SQLite nodes are one process (and SQLite has one writer)."""
    dialect = (
        connection.dialect
        if isinstance(connection, AsyncConnection)
        else connection.get_bind().dialect
    )
    if dialect.name == "postgresql":
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(:key, hashtext(current_database()))"),
            {"key": STARTUP_LOCK},
        )


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# JSON columns (raw activities and objects) through orjson: ~10x faster than the json module
# for the 1-3 KB documents every inbound activity stores and the worker reads back.
JSON_CODEC: Final = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, **JSON_CODEC)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it costs a round trip on every checkout (12 % of a catalogue sync's CPU).
    # After a server restart a pooled connection fails once; SQLAlchemy then invalidates the
    # pool's older connections, the request answers 503 and the worker retries its pass.
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_recycle=3600, **JSON_CODEC
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


T = TypeVar("T")


class SQLiteBatchWriter:
    """Batch writes to SQLite through a synchronous engine on one thread of its own.

    Through the async engine a batch costs five thread hops to aiosqlite's thread (cursor,
    execute, cursor close, commit, the pool's rollback on return); here it costs one, and the
    statements run back to back inside SQLite. On a small server whose two cores are busy,
    each hop waits for the scheduler: the inbox's group commit is where that shows (bench:
    "inbox accepted"). SQLite has one writer at a time either way; WAL lets the async engine
    read meanwhile.
    """

    def __init__(self, url: str) -> None:
        sync_url = url.replace("sqlite+aiosqlite:", "sqlite+pysqlite:", 1)
        # One connection, used only from the one thread below.
        self._engine = sqlalchemy.create_engine(sync_url, pool_size=1, max_overflow=0, **JSON_CODEC)
        event.listen(self._engine, "connect", _sqlite_pragmas)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")

    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction on the writer thread; committed when it returns."""

        def in_transaction() -> T:
            with self._engine.begin() as connection:
                return work(connection)

        return await asyncio.get_running_loop().run_in_executor(self._thread, in_transaction)

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self._engine.dispose()
