"""Scenario (e): the home timeline's newest 20 at N objects, on SQLite and on PostgreSQL.

The data (datagen.py) is loaded into a database made by the node's own migrations; the query
is the node's own `storage.queries.objects.home_timeline` through its own engine settings,
each call in a fresh session as the /home page does, for a random one of 10 users. A second
figure asks for a page deep in the timeline (`before_id` at a random point).
SQLite is not ANALYZEd (the node never does); PostgreSQL is (autovacuum would be).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from sqlalchemy import func, select

from bench import datagen, node
from bench.pgscratch import asyncpg_dsn, on_both_databases
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.stats import median, percentile
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Actor, TimelineEntry, User
from compagnon.storage.queries.objects import home_timeline

P50_GOAL_MS, P99_GOAL_MS = 5.0, 20.0
USERS = 10
WARMUP_QUERIES = 20
# The server the bench may create (and then drops) its own database on.
BENCH_DATABASE = "compagnon_bench_timeline"


async def run(bench: Bench) -> list[Measure]:
    return await on_both_databases(
        lambda label, url: _backend(bench, label, url),
        BENCH_DATABASE,
        "timeline",
        "home timeline newest 20, PostgreSQL",
    )


async def _backend(bench: Bench, label: str, url: str) -> list[Measure]:
    sizes = bench.sizes
    n = node.CompagnonNode(
        node.NodeSpec(f"timeline-{label.lower()}", bench.workdir, database_url=url)
    )
    for i in range(USERS):
        await n.create_user(f"reader{i}")
    engine = create_engine(n.settings.resolved_database_url)
    try:
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            users = [(u, a) for u, a in await session.execute(select(User.id, User.actor_id))]
            first_actor = int(await session.scalar(select(func.max(Actor.id))) or 0) + 1
        data = datagen.Dataset(sizes.timeline_objects, users, first_actor)
        started = time.monotonic()
        if url:
            await datagen.load_postgresql(asyncpg_dsn(url), data)
        else:
            await asyncio.to_thread(datagen.load_sqlite, str(n.sqlite_path), data)
        loaded = time.monotonic() - started
        await engine.dispose()  # new connections: fresh statistics and a cold-ish start
        first, deep = await _measure(sessions, [u for u, _ in users], sizes, random.Random(3))
    finally:
        await engine.dispose()
    note = (
        f"{sizes.timeline_objects:,} objects, {USERS} users x {datagen.FOLLOWS_PER_USER} "
        f"follows, loaded in {loaded:.0f} s; {sizes.timeline_queries} queries/run"
    )
    measures = []
    for what, runs in (("newest 20", first), ("a page deep in the timeline", deep)):
        p50 = [percentile(r, 50) for r in runs]
        p99 = [percentile(r, 99) for r in runs]
        goal = what == "newest 20"
        measures += [
            Measure(
                "timeline",
                f"home timeline {what}, {label}, p50",
                "ms",
                p50,
                f"< {P50_GOAL_MS:.0f} ms" if goal else "",
                median(p50) < P50_GOAL_MS if goal else None,
                note if goal else "",
            ),
            Measure(
                "timeline",
                f"home timeline {what}, {label}, p99",
                "ms",
                p99,
                f"< {P99_GOAL_MS:.0f} ms" if goal else "",
                median(p99) < P99_GOAL_MS if goal else None,
            ),
        ]
    return measures


async def _measure(
    sessions: Any, users: list[int], sizes: Any, rng: random.Random
) -> tuple[list[list[float]], list[list[float]]]:
    """Latencies in ms per repetition: first page, and a page before a random entry."""
    bounds: dict[int, tuple[int, int]] = {}
    async with sessions() as session:
        for user in users:
            low, high = (
                await session.execute(
                    select(func.min(TimelineEntry.id), func.max(TimelineEntry.id)).where(
                        TimelineEntry.user_id == user
                    )
                )
            ).one()
            bounds[user] = (int(low), int(high))
    for _ in range(WARMUP_QUERIES):
        await _query(sessions, rng.choice(users), None)
    first: list[list[float]] = []
    deep: list[list[float]] = []
    for _ in range(sizes.timeline_reps):
        first.append(
            [await _query(sessions, rng.choice(users), None) for _ in range(sizes.timeline_queries)]
        )
        runs = []
        for _ in range(sizes.timeline_queries):
            user = rng.choice(users)
            low, high = bounds[user]
            runs.append(await _query(sessions, user, rng.randint(low, high)))
        deep.append(runs)
    return first, deep


async def _query(sessions: Any, user: int, before: int | None) -> float:
    started = time.perf_counter()
    async with sessions() as session:
        rows = await home_timeline(session, user, limit=20, before_id=before)
    elapsed = (time.perf_counter() - started) * 1000
    if before is None and len(rows) != 20:
        raise RuntimeError(f"user {user}'s timeline has {len(rows)} entries, not 20")
    return elapsed
