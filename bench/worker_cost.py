"""The worker's cost alone, in-process, on SQLite: COUNT pending Create(Note)s from 20 known
senders, stored as the inbox stores them, then `run_once()` until none is left; CPU per
activity applied. No HTTP and no load generator: the figure for a before/after of the
worker's own code (the inbox's batch sizes under load are the peers scenario's business).

    python -m bench.worker_cost [--count 3000] [--reps 5] [--rounds 1]

--rounds N stores and applies COUNT activities N times in the same database and prints each
round's figure: whether the worker's cost grows with what the node already holds.

CPU time moves by a third between runs of this same work on a shared host (0.50-0.77 ms an
activity, three runs in a row, 2026-12-07), so it runs REPS times (a fresh database each)
and prints each figure and the median; a before/after interleaves two such runs. Counting
instructions under callgrind instead was tried and is not steady either (the same code gave
1.5 and 4.2 million an activity, PYTHONHASHSEED fixed): the checkpointer's thread and the
loop's timing change what runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.fakeactors import create_note, load_actors, make_actors, save_actors

SENDERS = 20
GROUP_COMMIT = 10  # pending rows a transaction, about what the inbox commits under load
DOMAIN = "127.0.0.1:9999"
SENDERS_BASE = "http://127.0.0.1:9998"


async def measure(count: int, actors_file: Path, rounds: int = 1) -> list[dict[str, float]]:
    from compagnon import operations
    from compagnon.config import load_settings
    from compagnon.federation.actor_convert import actor_fields_from_document
    from compagnon.federation.actor_store import store_remote_actor
    from compagnon.federation.inbox.pipeline import row_for
    from compagnon.server.worker import Worker
    from compagnon.storage.queries import activities

    home = Path(tempfile.mkdtemp(prefix="compagnon-worker-cost-"))
    try:
        settings = load_settings(
            None,
            environ={
                "COMPAGNON_DATA_DIR": str(home),
                "COMPAGNON_DOMAIN": DOMAIN,
                "COMPAGNON_LOG_LEVEL": "WARNING",
            },
        )
        reader = await operations.create_user(settings, "alice", "a-long-enough-password")
        actors = load_actors(actors_file)
        async with operations.federation(settings) as ctx:
            async with ctx.sessions.begin() as session:
                for actor in actors:
                    fields = actor_fields_from_document(actor.document(SENDERS_BASE))
                    await store_remote_actor(session, fields)
            worker = Worker(ctx)
            found = []
            for round_ in range(rounds):
                rows = [
                    row_for(
                        create_note(actors[i % len(actors)], f"r{round_}n{i}", reader.actor_uri)
                    )
                    for i in range(count)
                ]
                for start in range(0, count, GROUP_COMMIT):
                    async with ctx.sessions.begin() as session:
                        await activities.insert_inbound(session, rows[start : start + GROUP_COMMIT])
                cpu, wall = time.process_time(), time.perf_counter()
                applied = 0
                while (report := await worker.run_once()).processed:
                    applied += report.processed
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                found.append(
                    {
                        "applied": applied,
                        "cpu_ms_per_activity": round(1000 * cpu / max(applied, 1), 4),
                        "wall_ms_per_activity": round(1000 * wall / max(applied, 1), 4),
                    }
                )
        return found
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker_cost", description=__doc__)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1, help="rounds in one database")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        actors_file = Path(scratch) / "actors.json"
        save_actors(make_actors(SENDERS_BASE, SENDERS), actors_file)
        for _ in range(args.reps):
            runs.append(asyncio.run(measure(args.count, actors_file, args.rounds)))
    cpu = [run[-1]["cpu_ms_per_activity"] for run in runs]
    rounds = [[one["cpu_ms_per_activity"] for one in run] for run in runs]
    print(
        json.dumps(
            {
                "applied": args.count,
                "cpu_ms_per_activity": cpu,
                "median": statistics.median(cpu),
                **({"by_round": rounds} if args.rounds > 1 else {}),
            }
        )
    )


if __name__ == "__main__":
    main()
