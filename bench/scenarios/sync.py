"""Scenario (f): an aggregator's catalogue sync. A national node on PostgreSQL imports the
whole catalogue of several centres: N learning resources in all (100,000 full, 10,000 quick).

Centres: real Compagnon nodes (`compagnon serve`, SQLite, worker off), one trainer each whose
resources and their Create activities are bulk-loaded by
`datagen_catalogue.load_centre_catalogue`, built by the node's own code the way
`publish.publish_resource` builds them (resource document, Create, FEP-8b32 proof). Their
outboxes are served by the node's own view: 20 items a page, keyset-paged, every page GET
signed by the aggregator's instance actor.

Aggregator: `compagnon serve` (worker on) plus one `compagnon worker` process, on a fresh
PostgreSQL database (`BENCH_POSTGRES`, as the timeline scenario), default settings. The bench
queues one sync per centre through the node's own `catalogue.queue_sync` (as `compagnon
catalogue sync` does); the workers pick the jobs up on their next pass (≤ worker_interval).

Figure: records imported / (last job's finished_at - first job's queued_at), both stamped by
the aggregator; and per CPU-second of the aggregator's two processes (all their threads).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import asyncpg
from sqlalchemy import select

from bench import datagen_catalogue, node
from bench.pgscratch import asyncpg_dsn, scratch_database
from bench.procs import (
    BenchError,
    Process,
    cpu_seconds,
    machine_cpu_seconds,
    postgres_cpu_seconds,
    settled_cpu,
    start,
)
from bench.report import Measure
from bench.scenarios.context import Bench
from compagnon import operations
from compagnon.federation import catalogue
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Actor

GOAL = 3000.0  # records/s
BENCH_DATABASE = "compagnon_bench_sync"
CENTRES = 4
POLL_INTERVAL = 0.05
TRAINER = "catalogue"


async def run(bench: Bench) -> list[Measure]:
    name = f"aggregator catalogue sync of {bench.sizes.sync_records:,} remote resources, PostgreSQL"
    try:
        async with scratch_database(BENCH_DATABASE) as url:
            return await _run(bench, url, name)
    except (OSError, asyncpg.PostgresError) as exc:
        return [
            Measure(
                "sync", name, "records/s", [], note=f"not measured: PostgreSQL unavailable ({exc})"
            )
        ]


async def _centre(bench: Bench, index: int, count: int) -> node.CompagnonNode:
    centre = node.CompagnonNode(node.NodeSpec(f"sync-centre{index}", bench.workdir))
    await centre.create_user(TRAINER)
    engine = create_engine(centre.settings.resolved_database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            author = await session.scalar(
                select(Actor).where(Actor.username == TRAINER, Actor.is_local.is_(True))
            )
    finally:
        await engine.dispose()
    assert author is not None
    await asyncio.to_thread(
        datagen_catalogue.load_centre_catalogue,
        str(centre.sqlite_path),
        author,
        centre.base_url,
        count,
        index,
    )
    return centre


def _worker(aggregator: node.CompagnonNode) -> Process:
    env = {**aggregator.env, "COMPAGNON_WORKER_NAME": "bench-extra-worker"}
    return start(
        "compagnon worker",
        [Path(sys.executable).parent / "compagnon", "worker"],
        log_path=aggregator.home / "worker.log",
        cwd=aggregator.home,
        env=env,
    )


async def centres_for(bench: Bench) -> list[node.CompagnonNode]:
    """The centres, their catalogues loaded (not started): `sync_records` over CENTRES."""
    per_centre = bench.sizes.sync_records // CENTRES
    return [await _centre(bench, i, per_centre) for i in range(CENTRES)]


async def _run(
    bench: Bench,
    url: str,
    name: str,
    port: int = 0,
    centres: list[node.CompagnonNode] | None = None,
) -> list[Measure]:
    """`port`: the aggregator's, when the database already belongs to a node (its domain is
    127.0.0.1:port); `centres`: loaded already (the aggregator scenario syncs the same
    centres into two aggregators)."""
    total = bench.sizes.sync_records
    per_centre = total // CENTRES
    loading = time.perf_counter()
    if centres is None:
        centres = await centres_for(bench)
    loaded = time.perf_counter() - loading
    aggregator = node.CompagnonNode(
        node.NodeSpec(
            "sync-aggregator",
            bench.workdir,
            run_worker=True,
            database_url=url,
            port=port,
            # Like for like with earlier runs: the CPU counted is the sync's, not rendering
            # OAI metadata ahead of harvests once the workers are idle.
            settings=(("COMPAGNON_OAI_RENDER_AHEAD", "false"),),
        )
    )
    await aggregator.create_user("national")  # migrations, node actors
    extra: Process | None = None
    try:
        for centre in centres:
            await centre.start()
        await aggregator.start()
        extra = _worker(aggregator)
        pids = [aggregator.pid, extra.pid]
        # The extra worker's start-up (imports, migrations check: ~2 s of CPU) is not the
        # sync's: counted, it was a tenth of a 10,000-record run's CPU.
        await settled_cpu(pids, deadline=30.0)
        if not extra.alive():
            raise BenchError(f"compagnon worker died: see {extra.log_path}")
        centre_pids = [centre.pid for centre in centres]
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        others_before = _others(centre_pids)
        async with operations.federation(aggregator.settings) as ctx:
            for centre in centres:
                await catalogue.queue_sync(ctx, f"{centre.base_url}/users/{TRAINER}")
        db = await asyncpg.connect(asyncpg_dsn(url))
        try:
            row = await _wait(db, bench.sizes.sync_deadline)
        finally:
            await db.close()
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        others = {k: v - others_before[k] for k, v in _others(centre_pids).items()}
    finally:
        if extra is not None:
            extra.stop()
        aggregator.stop()
        for centre in centres:
            centre.stop()
    seconds = (row["last"] - row["first"]).total_seconds()
    imported = int(row["imported"])
    rate = imported / seconds if seconds > 0 else 0.0
    detail = {k: (str(v) if k in ("first", "last") else v) for k, v in dict(row).items()}
    detail.update(
        seconds=round(seconds, 2),
        aggregator_cpu_s=round(cpu, 2),
        centres=CENTRES,
        load_s=round(loaded, 1),
        centres_cpu_s=round(others["centres"], 2),
        postgres_cpu_s=round(others["postgres"], 2),
        machine_cpu_s=round(others["machine"], 2),
    )
    complete = imported == per_centre * CENTRES and row["failed"] == 0
    note = (
        f"{CENTRES} real centres (serve, SQLite) x {per_centre:,}; serve + 1 worker; "
        f"{imported:,} imported in {seconds:.1f} s, {row['pages']} pages, "
        f"{row['skipped']} skipped" + ("" if complete else " — INCOMPLETE")
    )
    return [
        Measure(
            "sync",
            name,
            "records/s",
            [rate],
            f"≥ {GOAL:,.0f}/s",
            rate >= GOAL and complete,
            note,
            detail,
        ),
        Measure(
            "sync",
            "catalogue sync per CPU-second of the aggregator (serve + worker)",
            "records/s",
            [imported / cpu if cpu else 0.0],
            "",
            None,
            f"{cpu:.1f} CPU-s over {seconds:.1f} s",
            {},
        ),
        _split(imported, seconds, cpu, others),
    ]


def _others(centre_pids: list[int]) -> dict[str, float]:
    """CPU-seconds so far of the centres, the PostgreSQL server and the whole machine."""
    return {
        "centres": sum(cpu_seconds(pid) for pid in centre_pids),
        "postgres": postgres_cpu_seconds(),
        "machine": machine_cpu_seconds(),
    }


def _split(imported: int, seconds: float, aggregator: float, others: dict[str, float]) -> Measure:
    """Where a record's CPU goes (ms per record): on 2 cores, 3,000 records/s leaves 0.67 ms
    of CPU a record for all of them together, the centres serving the pages included."""
    per = {
        "aggregator": aggregator,
        "centres": others["centres"],
        "postgres": others["postgres"],
        "machine": others["machine"],
    }
    ms = {name: 1000 * value / imported if imported else 0.0 for name, value in per.items()}
    cores = others["machine"] / seconds if seconds > 0 else 0.0
    note = (
        f"ms per record: aggregator {ms['aggregator']:.2f}, centres {ms['centres']:.2f}, "
        f"PostgreSQL {ms['postgres']:.2f}; machine {ms['machine']:.2f} ({cores:.2f} cores busy)"
    )
    return Measure(
        "sync",
        "catalogue sync: CPU per record, whole machine",
        "ms",
        [ms["machine"]],
        "",
        None,
        note,
        {name: round(value, 3) for name, value in ms.items()} | {"cores_busy": round(cores, 2)},
    )


async def _wait(db: asyncpg.Connection, deadline: float) -> asyncpg.Record:
    """Poll the aggregator's jobs until none is pending (bounded by `deadline` seconds)."""
    started = time.monotonic()
    while True:
        row = await db.fetchrow(
            "SELECT count(*) FILTER (WHERE state = 'pending') AS pending,"
            " count(*) FILTER (WHERE state = 'failed') AS failed,"
            " coalesce(sum(imported), 0) AS imported, coalesce(sum(skipped), 0) AS skipped,"
            " coalesce(sum(pages), 0) AS pages, min(queued_at) AS first,"
            " max(finished_at) AS last, count(*) AS jobs FROM sync_jobs"
        )
        if row["jobs"] == CENTRES and row["pending"] == 0:
            return row
        if time.monotonic() - started > deadline:
            raise BenchError(f"sync not finished in {deadline:.0f} s: {dict(row)}")
        await asyncio.sleep(POLL_INTERVAL)
