"""Scenario: faceted search of learning resources at N resources, on SQLite and PostgreSQL.

The data (datagen_resources.ResourceSet: skewed languages, EQF levels, trades, licences,
types, competences and words, each resource's facets extracted by the node's own
`domain.facets.extract`) is bulk-loaded into a database made by the node's own migrations,
secondary and full-text indexes built after the load. The query is the node's own
`storage.queries.search.search` through its own engine settings, each call in a fresh session
as the /search page does, facet counts included (capped at the newest 1,000 matches, as the
page shows them). Five kinds of query, drawn at random each time:

- one facet: EQF level, language, field of education or competence;
- two facets: two of those;
- text only: one or two words (some common, most rare: Zipf-like);
- text + facets: one word and one or two facets;
- a deep page: one facet, with the cursor at a random point in the older half of the data.

SQLite is not ANALYZEd (the node never does); PostgreSQL is (autovacuum would be).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bench import datagen_resources, node
from bench.pgscratch import asyncpg_dsn, on_both_databases
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.stats import median, percentile
from compagnon.domain.facets import sort_key
from compagnon.domain.search_query import SearchFilters
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Actor
from compagnon.storage.queries.search import search

P50_GOAL_MS, P99_GOAL_MS = 30.0, 150.0
WARMUP_QUERIES = 20
BENCH_DATABASE = "compagnon_bench_search"
KINDS = ("one facet", "two facets", "text only", "text + facets", "a deep page")


async def run(bench: Bench) -> list[Measure]:
    return await on_both_databases(
        lambda label, url: _backend(bench, label, url),
        BENCH_DATABASE,
        "search",
        "faceted search, PostgreSQL",
    )


async def _backend(bench: Bench, label: str, url: str) -> list[Measure]:
    sizes = bench.sizes
    n = node.CompagnonNode(
        node.NodeSpec(f"search-{label.lower()}", bench.workdir, database_url=url)
    )
    await n.create_user("reader")  # runs the node's migrations
    engine = create_engine(n.settings.resolved_database_url)
    try:
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            first_actor = int(await session.scalar(select(func.max(Actor.id))) or 0) + 1
        data = datagen_resources.ResourceSet(sizes.search_objects, first_actor)
        started = time.monotonic()
        if url:
            await datagen_resources.load_resources_postgresql(asyncpg_dsn(url), data)
        else:
            await asyncio.to_thread(
                datagen_resources.load_resources_sqlite, str(n.sqlite_path), data
            )
        loaded = time.monotonic() - started
        await engine.dispose()  # new connections: fresh statistics and a cold-ish start
        runs, slowest = await _measure(sessions, sizes, random.Random(5))
    finally:
        await engine.dispose()
    note = (
        f"{sizes.search_objects:,} resources, loaded and indexed in {loaded:.0f} s; "
        f"{sizes.search_queries} queries/run of each kind, facet counts included"
    )
    measures = []
    for kind in KINDS:
        p50 = [percentile(r, 50) for r in runs[kind]]
        p99 = [percentile(r, 99) for r in runs[kind]]
        measures += [
            Measure(
                "search",
                f"{kind}, {label}, p50",
                "ms",
                p50,
                f"< {P50_GOAL_MS:.0f} ms",
                median(p50) < P50_GOAL_MS,
                note if kind == KINDS[0] else "",
            ),
            Measure(
                "search",
                f"{kind}, {label}, p99",
                "ms",
                p99,
                f"< {P99_GOAL_MS:.0f} ms",
                median(p99) < P99_GOAL_MS,
                f"slowest: {slowest[kind][1]:.0f} ms for {slowest[kind][0]}",
            ),
        ]
    return measures


def _queries(sizes: Any) -> dict[str, Callable[[random.Random], tuple[SearchFilters, int | None]]]:
    langs, fields = list(datagen_resources.LANGUAGES), list(datagen_resources.FIELDS)
    competences = [f"https://w3id.org/kim/digcomp/g_{n}" for n in (3, 8, 15, 17, 24)] + [
        f"http://data.europa.eu/esco/skill/{datagen_resources.uuid_of(n)}" for n in (0, 5, 50, 200)
    ]

    def facet(rng: random.Random) -> dict[str, Any]:
        name = rng.choice(("eqf", "lang", "field", "competence"))
        value = {
            "eqf": lambda: rng.randint(1, 8),
            "lang": lambda: rng.choice(langs),
            "field": lambda: rng.choice(fields),
            "competence": lambda: rng.choice(competences),
        }[name]()
        return {name: value}

    def words(rng: random.Random, k: int) -> tuple[str, ...]:
        return tuple(rng.sample(datagen_resources.WORDS, k))

    def deep(rng: random.Random) -> int:
        i = rng.randint(sizes.search_objects // 10, sizes.search_objects // 2)
        return sort_key(datagen_resources.START + timedelta(seconds=30 * i), i)

    return {
        "one facet": lambda rng: (SearchFilters(**facet(rng)), None),
        "two facets": lambda rng: (SearchFilters(**{**facet(rng), **facet(rng)}), None),
        "text only": lambda rng: (SearchFilters(words=words(rng, rng.choice((1, 2)))), None),
        "text + facets": lambda rng: (
            SearchFilters(words=words(rng, 1), **{**facet(rng), **facet(rng)}),
            None,
        ),
        "a deep page": lambda rng: (SearchFilters(**facet(rng)), deep(rng)),
    }


async def _measure(
    sessions: Any, sizes: Any, rng: random.Random
) -> tuple[dict[str, list[list[float]]], dict[str, tuple[str, float]]]:
    """Latencies in ms per kind and repetition, and the slowest query of each kind."""
    makers = _queries(sizes)
    for _ in range(WARMUP_QUERIES):
        await _query(sessions, *makers["one facet"](rng))
    runs: dict[str, list[list[float]]] = {kind: [] for kind in KINDS}
    slowest: dict[str, tuple[str, float]] = {kind: ("", 0.0) for kind in KINDS}
    for _ in range(sizes.search_reps):
        for kind in KINDS:
            times = []
            for _ in range(sizes.search_queries):
                filters, before = makers[kind](rng)
                elapsed = await _query(sessions, filters, before)
                times.append(elapsed)
                if elapsed > slowest[kind][1]:
                    slowest[kind] = (_describe(filters, before), elapsed)
            runs[kind].append(times)
    return runs, slowest


def _describe(filters: SearchFilters, before: int | None) -> str:
    parts = [" ".join(filters.words)] if filters.words else []
    parts += [
        f"{k}={getattr(filters, k)}"
        for k in ("eqf", "lang", "field", "competence")
        if getattr(filters, k) is not None
    ]
    return ", ".join(parts) + (" (deep page)" if before else "")


async def _query(sessions: Any, filters: SearchFilters, before: int | None) -> float:
    started = time.perf_counter()
    async with sessions() as session:
        await search(session, filters, before=before)
    return (time.perf_counter() - started) * 1000
