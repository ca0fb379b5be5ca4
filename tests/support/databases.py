"""Fresh databases for tests: a SQLite file per node, and a PostgreSQL database per node when
TEST_DATABASE_URL points at a server (CI sets it; each test gets its own, dropped after)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

BACKENDS = ["sqlite", *(["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])]


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@asynccontextmanager
async def fresh_database(backend: str, tmp: Path) -> AsyncIterator[str]:
    """Yields a SQLAlchemy URL of an empty database of the given backend."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / f'{uuid.uuid4().hex}.sqlite3'}"
        return
    admin_url = os.environ["TEST_DATABASE_URL"]
    name = f"compagnon_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = admin_url.rsplit("/", 1)[0]
    if not base.startswith("postgresql+asyncpg://"):
        base = base.replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(_asyncpg_dsn(admin_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def terminate_backends(database_url: str) -> int:
    """Cut every connection to the test's own PostgreSQL database (as a database restart or a
    failover would); returns how many were cut. Only that database: its name is the test's."""
    name = database_url.rsplit("/", 1)[1]
    assert name.startswith("compagnon_test_"), f"not a test database: {name}"
    admin = await asyncpg.connect(_asyncpg_dsn(os.environ["TEST_DATABASE_URL"]))
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await admin.close()
    return sum(1 for row in rows if row[0])
