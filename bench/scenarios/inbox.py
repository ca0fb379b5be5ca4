"""Scenario (a)+(b): the inbox of one `compagnon serve` on SQLite under signed Create(Note)
load. The comparison with Fedify and bovine-herd is its own scenario (peers.py).

1. Acceptance (worker off): accepted/s = 202 answers / wall time; a 202 means the activity is
   committed (group commit in inbox/writer.py). Latency per request, p50 and p99.
2. Memory: VmRSS of the idle node, the peak VmRSS sampled every 50 ms under load, and VmHWM.
3. Fully processed (worker on, in the same process as `serve` runs it by default): from the
   first POST until no activity is left pending, and per CPU-second of the node process.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import node
from bench.fleet import Fleet, Target, fleet
from bench.loadgen import LoadResult, send
from bench.procs import BenchError, RssSampler, cpu_seconds, memory_kib
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.stats import median

ACCEPT_GOAL = 1500.0
PROCESSED_PER_CORE_GOAL = 400.0
IDLE_MB_GOAL, LOADED_MB_GOAL = 120.0, 300.0
POLL_INTERVAL = 0.01
UNFINISHED = "SELECT count(*) FROM activities WHERE state IN ('pending', 'processing')"


def _target(n: node.CompagnonNode, addressee: str) -> Target:
    # The shared inbox, as Mastodon uses for public posts.
    return Target("compagnon", f"{n.base_url}/inbox", addressee)


async def run(bench: Bench) -> list[Measure]:
    sizes = bench.sizes
    async with fleet(bench.workdir, sizes.fake_actors) as actors:
        measures, _rates = await _acceptance(bench, actors)
        measures += await _processed(bench, actors)
    return measures


async def _acceptance(bench: Bench, actors: Fleet) -> tuple[list[Measure], dict[int, list[float]]]:
    sizes = bench.sizes
    spec = node.NodeSpec("inbox", bench.workdir, run_worker=False)
    async with node.running(spec, users=("alice",)) as n:
        await asyncio.sleep(1.0)  # let start-up garbage settle before reading "idle"
        idle_kib = memory_kib(n.pid)["VmRSS"]
        target = _target(n, f"{n.base_url}/users/alice")
        await actors.warm_up(target, sizes.deadline)
        runs: dict[int, list[LoadResult]] = {c: [] for c in sizes.concurrency}
        peak_kib = 0
        for concurrency in sizes.concurrency:
            for rep in range(sizes.inbox_reps):
                posts = actors.sign(target, f"c{concurrency}r{rep}", sizes.inbox_count)
                with RssSampler(n.pid) as sampler:
                    runs[concurrency].append(await send(posts, concurrency, sizes.deadline))
                peak_kib = max(peak_kib, sampler.peak_kib)
        hwm_kib = memory_kib(n.pid)["VmHWM"]
        accepted = sum(r.ok for results in runs.values() for r in results) + len(actors.actors)
        stored = n.scalar("SELECT count(*) FROM activities WHERE is_local = 0")
    if stored != accepted:
        raise BenchError(f"{accepted} POSTs answered 202 but {stored} activities are stored")
    measures = _acceptance_measures(runs, sizes.inbox_count)
    measures += [
        Measure(
            "memory",
            "RSS of the idle node (after start-up)",
            "MB",
            [idle_kib / 1024],
            f"< {IDLE_MB_GOAL:.0f} MB",
            idle_kib / 1024 < IDLE_MB_GOAL,
        ),
        Measure(
            "memory",
            "peak RSS under the inbox load (sampled every 50 ms)",
            "MB",
            [peak_kib / 1024],
            f"< {LOADED_MB_GOAL:.0f} MB",
            peak_kib / 1024 < LOADED_MB_GOAL,
            f"VmHWM {hwm_kib / 1024:.0f} MB",
        ),
    ]
    rates = {c: [r.ok_per_second for r in results] for c, results in runs.items()}
    return measures, rates


def _acceptance_measures(runs: dict[int, list[LoadResult]], count: int) -> list[Measure]:
    measures = []
    for concurrency, results in runs.items():
        rates = [r.ok_per_second for r in results]
        refused = sum(r.sent - r.ok for r in results)
        detail: dict[str, Any] = {"runs": [r.summary() for r in results]}
        measures.append(
            Measure(
                "inbox",
                f"Compagnon: signed POSTs accepted (202, stored), SQLite, {concurrency} in flight",
                "/s",
                rates,
                f"≥ {ACCEPT_GOAL:,.0f}/s",
                median(rates) >= ACCEPT_GOAL,
                f"{count} POSTs/run; {refused} not 2xx",
                detail,
            )
        )
        measures.append(
            Measure(
                "inbox",
                f"Compagnon: latency p50 / p99, {concurrency} in flight",
                "ms",
                [r.summary()["p50_ms"] for r in results],
                "",
                None,
                "p99 median " + f"{median([r.summary()['p99_ms'] for r in results]):.1f} ms",
            )
        )
    return measures


async def _processed(bench: Bench, actors: Fleet) -> list[Measure]:
    """Worker on: how fast activities get all the way through (timeline entry written)."""
    sizes = bench.sizes
    spec = node.NodeSpec("processed", bench.workdir, run_worker=True)
    rates, per_cpu, details, totals = await processed_runs(bench, actors, spec)
    note = (
        f"{sizes.processed_count} POSTs/run at {max(sizes.concurrency)} in flight; "
        f"{totals['failed']} failed; {totals['in_timeline']} timeline entries"
    )
    return [
        Measure(
            "inbox",
            "Compagnon: fully processed (worker on, same process), wall clock",
            "/s",
            rates,
            "",
            None,
            note,
            {"runs": details},
        ),
        Measure(
            "inbox",
            "Compagnon: fully processed per CPU-second of the node process",
            "/s",
            per_cpu,
            f"≥ {PROCESSED_PER_CORE_GOAL:.0f}/s per core",
            median(per_cpu) >= PROCESSED_PER_CORE_GOAL,
            "node CPU time includes the SQLite and signing threads",
        ),
    ]


async def processed_runs(
    bench: Bench, actors: Fleet, spec: node.NodeSpec
) -> tuple[list[float], list[float], list[dict[str, Any]], dict[str, Any]]:
    """Per run: processed/s (wall), processed per CPU-second, details; and final counts."""
    sizes = bench.sizes
    rates: list[float] = []
    per_cpu: list[float] = []
    details: list[dict[str, Any]] = []
    async with node.running(spec, users=("alice",)) as n:
        target = _target(n, f"{n.base_url}/users/alice")
        await actors.warm_up(target, sizes.deadline)
        await drained(n, sizes.deadline)
        for rep in range(sizes.processed_reps):
            posts = actors.sign(target, f"w{rep}", sizes.processed_count)
            cpu_before, started = cpu_seconds(n.pid), time.perf_counter()
            load = await send(posts, max(sizes.concurrency), sizes.deadline)
            await drained(n, sizes.deadline)
            wall = time.perf_counter() - started
            cpu = cpu_seconds(n.pid) - cpu_before
            rates.append(load.ok / wall)
            per_cpu.append(load.ok / cpu)
            details.append(
                {
                    "accepted": load.ok,
                    "wall_s": round(wall, 3),
                    "node_cpu_s": round(cpu, 3),
                    "accept_phase": load.summary(),
                }
            )
        totals = {
            "failed": n.scalar("SELECT count(*) FROM activities WHERE state = 'failed'"),
            "in_timeline": n.scalar("SELECT count(*) FROM timeline_entries"),
        }
    return rates, per_cpu, details, totals


async def drained(n: node.CompagnonNode, deadline: float) -> None:
    """Bounded poll until the worker has taken every activity (done or failed)."""
    stop_at = time.monotonic() + deadline
    while n.scalar(UNFINISHED):
        if time.monotonic() > stop_at:
            raise BenchError(f"worker left {n.scalar(UNFINISHED)} activities after {deadline} s")
        await asyncio.sleep(POLL_INTERVAL)
