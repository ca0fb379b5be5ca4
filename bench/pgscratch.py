"""A scratch PostgreSQL database for a scenario: created fresh, dropped afterwards (also when
the scenario fails). `BENCH_POSTGRES` names the server (an admin DSN)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

import asyncpg

ADMIN_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.asynccontextmanager
async def scratch_database(name: str) -> AsyncIterator[str]:
    """Yields the SQLAlchemy URL of an empty database `name` (any leftover of it dropped)."""
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
        base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        yield f"{base}/{name}"
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
