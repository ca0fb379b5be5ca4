"""A scratch PostgreSQL database for a scenario: created fresh, dropped afterwards (also when
the scenario fails). `BENCH_POSTGRES` names the server (an admin DSN). Each database's name
ends in a random suffix, so two runs on one server (two engineers, two sessions) never
drop each other's."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg

from bench.report import Measure

ADMIN_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.asynccontextmanager
async def scratch_database(prefix: str) -> AsyncIterator[str]:
    """Yields the SQLAlchemy URL of a new empty database `<prefix>_<random hex>`."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        yield f"{base}/{name}"
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def on_both_databases(
    backend: Callable[[str, str], Awaitable[list[Measure]]],
    database: str,
    scenario: str,
    name: str,
) -> list[Measure]:
    """`backend(label, url)` on SQLite (url "": the node's own file), then on a scratch
    PostgreSQL database; a row saying why when PostgreSQL cannot be reached."""
    measures = await backend("SQLite", "")
    try:
        async with scratch_database(database) as url:
            measures += await backend("PostgreSQL", url)
    except (OSError, asyncpg.PostgresError) as exc:
        measures.append(
            Measure(scenario, name, "ms", [], note=f"not measured: PostgreSQL unavailable ({exc})")
        )
    return measures
