"""The async engine and sessions: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import orjson
from sqlalchemy import event, text
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from compagnon.storage import sqlite_inline


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; NORMAL sync is durable in WAL mode except on
    # power loss mid-checkpoint. The connection runs on the event loop's thread, so nothing
    # may block it there: no busy_timeout (a second writer waits for the lock in
    # sqlite_inline.py) and no automatic checkpoint (sqlite_inline.Checkpointer's thread).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA wal_autocheckpoint=0")
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
        return sqlite_engine(url, echo=echo)
    # No pre-ping: it costs a round trip on every checkout (12 % of a catalogue sync's CPU).
    # After a server restart a pooled connection fails once; SQLAlchemy then invalidates the
    # pool's older connections, the request answers 503 and the worker retries its pass.
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_recycle=3600, **JSON_CODEC
    )


def sqlite_engine(url: str, *, echo: bool = False, **pool: Any) -> AsyncEngine:
    """The async engine on a SQLite file (made if missing), its connections on the loop's
    thread (sqlite_inline.py: no thread hop per call); `pool` options as SQLAlchemy's."""
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # The dialect's own connect arguments, to a connection of sqlite_inline's.
    args, kwargs = aiosqlite_dialect().create_connect_args(make_url(url))
    engine = create_async_engine(
        url, echo=echo, async_creator=sqlite_inline.connector(args, kwargs), **pool, **JSON_CODEC
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
