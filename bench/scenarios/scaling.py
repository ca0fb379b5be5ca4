"""Scenario scaling: accepted/s and applied/s of one node on PostgreSQL with 1, 2 and 4 web
processes (`compagnon serve --web-processes N`, gunicorn prefork) and as many `compagnon
worker` processes, under the inbox load of the peers scenario (signed Create(Note)s, 32 in
flight); beside them the CPU per activity of the node's processes, of the PostgreSQL server
processes serving its database, and the cores the load generator used.

On a small machine this table shows the ceiling, not the scaling: the load generator, the web
processes, the workers and PostgreSQL share its cores. CPU per activity is what carries to a
bigger machine: N cores divided by it is the rate they can hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg

from bench import node
from bench.batches import Batch, Server, batch, progress, warm
from bench.fleet import Fleet, Target, fleet
from bench.pgscratch import asyncpg_dsn, database_of, scratch_database
from bench.procs import BenchError, Process, cpu_seconds, start
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.stats import median

UNFINISHED = "SELECT count(*) FROM activities WHERE state IN ('pending', 'processing')"
FAILED = "SELECT count(*) FROM activities WHERE state = 'failed'"
POLL_INTERVAL = 0.02


class Postgres:
    """The node's database seen from outside: its queue, and the CPU of the server processes
    (backends) connected to it, read from /proc (PostgreSQL runs on this machine)."""

    def __init__(self, db: asyncpg.Connection, name: str) -> None:
        self.db = db
        self.name = name
        self.seen: dict[int, float] = {}

    async def unfinished(self) -> int:
        return int(await self.db.fetchval(UNFINISHED))

    async def backend_cpu(self) -> float:
        """CPU of every backend of this database seen so far (a backend that has exited keeps
        the last figure read of it): counts the work the node makes PostgreSQL do."""
        pids = await self.db.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            self.name,
        )
        for row in pids:
            with contextlib.suppress(OSError):
                self.seen[row["pid"]] = cpu_seconds(row["pid"])
        return sum(self.seen.values())


@contextlib.asynccontextmanager
async def _node(bench: Bench, url: str, processes: int) -> AsyncIterator[tuple[Server, Postgres]]:
    spec = node.NodeSpec(
        f"scaling-{processes}",
        bench.workdir,
        run_worker=False,
        database_url=url,
        web_processes=processes,
    )
    workers: list[Process] = []
    db = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with node.running(spec, users=("alice",)) as n:
            for i in range(processes):
                env = {**n.env, "COMPAGNON_WORKER_NAME": f"bench-worker-{i}"}
                workers.append(
                    start(
                        f"compagnon worker {i}",
                        [Path(sys.executable).parent / "compagnon", "worker"],
                        log_path=n.home / f"worker-{i}.log",
                        cwd=n.home,
                        env=env,
                    )
                )
            pg = Postgres(db, database_of(url))

            async def queue_drained(deadline: float) -> None:
                await _drained(pg, workers, deadline)

            target = Target("Compagnon", f"{n.base_url}/inbox", f"{n.base_url}/users/alice")
            yield (
                Server(
                    f"Compagnon x{processes}",
                    target,
                    [n.pid, *(w.pid for w in workers)],
                    drained=queue_drained,
                ),
                pg,
            )
    finally:
        for worker in workers:
            worker.stop()
        await db.close()


async def _drained(pg: Postgres, workers: list[Process], deadline: float) -> None:
    stop_at = time.monotonic() + deadline
    while await pg.unfinished():
        if not all(w.alive() for w in workers):
            raise BenchError("a compagnon worker exited: see its log")
        if time.monotonic() > stop_at:
            raise BenchError(f"workers left {await pg.unfinished()} activities after {deadline} s")
        await asyncio.sleep(POLL_INTERVAL)
    failed = int(await pg.db.fetchval(FAILED))
    if failed:  # every activity accepted must be applied, or the CPU is not comparable
        raise BenchError(f"the workers failed {failed} activities: see their logs")


async def run(bench: Bench) -> list[Measure]:
    sizes = bench.sizes
    measures: list[Measure] = []
    async with fleet(bench.workdir, sizes.fake_actors) as actors:
        for processes in sizes.scaling_processes:
            try:
                measures += await _one(bench, actors, processes)
            except (OSError, asyncpg.PostgresError) as exc:
                measures.append(
                    Measure(
                        "scaling",
                        f"{processes} web processes",
                        "/s",
                        [],
                        note=f"not measured: PostgreSQL unavailable ({exc})",
                    )
                )
    return measures


async def _one(bench: Bench, actors: Fleet, processes: int) -> list[Measure]:
    sizes = bench.sizes
    concurrency = max(sizes.concurrency)
    runs: list[tuple[Batch, float]] = []
    async with (
        scratch_database("compagnon_bench_scaling") as url,
        _node(bench, url, processes) as (server, pg),
    ):
        warmed = await warm(server, actors, sizes, concurrency)
        for rep in range(sizes.scaling_reps):
            pg_before = await pg.backend_cpu()
            found = await batch(
                server,
                actors,
                f"scale{processes}r{rep}",
                sizes.scaling_count,
                concurrency,
                sizes.deadline,
            )
            runs.append((found, await pg.backend_cpu() - pg_before))
            progress(found, f"repetition {rep + 1}")
    label = (
        f"{processes} web process{'es' if processes > 1 else ''} + {processes} "
        f"worker{'s' if processes > 1 else ''}, PostgreSQL, {concurrency} in flight"
    )
    detail: dict[str, Any] = {
        "warm_up": warmed,
        "runs": [{**b.summary(), "postgres_cpu_s": round(pg_cpu, 3)} for b, pg_cpu in runs],
    }
    node_cpu = [b.cpu_ms_per_activity for b, _ in runs]
    pg_cpu = [pg * 1000 / b.ok for b, pg in runs]
    lg = median([b.loadgen_cores for b, _ in runs])
    return [
        Measure(
            "scaling",
            f"accepted (2xx) per second, {label}",
            "/s",
            [b.accepted_per_s for b, _ in runs],
            "",
            None,
            f"load generator {lg:.2f} cores; {sum(b.sent - b.ok for b, _ in runs)} not 2xx",
            detail,
        ),
        Measure(
            "scaling",
            f"applied per second (first POST → queue drained), {label}",
            "/s",
            [b.applied_per_s for b, _ in runs],
            "",
            None,
            f"warm-up {warmed['posts']} POSTs" + ("" if warmed["stable"] else ", **not stable**"),
        ),
        Measure(
            "scaling",
            f"CPU per activity, node processes, {label}",
            "ms",
            node_cpu,
            "",
            None,
            f"PostgreSQL backends {median(pg_cpu):.2f} ms more",
        ),
    ]
