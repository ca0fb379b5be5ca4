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
from sqlalchemy.engine import make_url

from bench.report import Measure

# TCP on loopback by default; a Unix socket with e.g.
# BENCH_POSTGRES="postgresql://postgres@/test?host=/var/run/postgresql" (bench/README.md).
ADMIN_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def node_url(database: str) -> str:
    """The SQLAlchemy URL of `database` on the bench's server (host, port or socket kept)."""
    url = make_url(ADMIN_DSN).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy URL of the bench's server as asyncpg takes it (for the bench's own
    connections beside the node's)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_of(url: str) -> str:
    return str(make_url(url).database)


@contextlib.asynccontextmanager
async def scratch_database(prefix: str) -> AsyncIterator[str]:
    """Yields the SQLAlchemy URL of a new empty database `<prefix>_<random hex>`."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        yield node_url(name)
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
