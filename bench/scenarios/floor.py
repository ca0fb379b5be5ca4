"""Scenario floor: how low CPU per activity can go on aiohttp, beside Compagnon and Fedify.

Issue 12 asks for Compagnon at ≥ 10x a warm Fedify in CPU per activity accepted and applied.
That figure has a floor under it that no change to the node can pass: the CPU an aiohttp
server spends to read, parse and answer a signed POST at all. Two servers stand for it
(bench/servers/floor.py): `floor` reads the body, parses it and answers 202; `floor+verify`
checks the HTTP signature and Digest too, with the node's own code and the keys in memory.
Nothing is stored, nothing applied: less than any real inbox does. Beside them Compagnon
twice: `Compagnon accepts` (its worker off: the request path and the group commit alone, done
at the last 202) and `Compagnon` (worker on: accepted and applied, as the peers scenario
counts it), which splits the node's CPU between accepting and applying.

Method: the peers scenario's, unchanged (batches.py): the same fake actors and signed
Create(Note)s to each, each warmed until its CPU per activity is stable, repetitions
interleaved at 8 and 32 in flight, the server's own process tree read from /proc. Reported:
each server's CPU per activity, and what Fedify's CPU is as a multiple of each floor, which
is the most any inbox on that floor could reach against Fedify.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from bench import node
from bench.batches import Batch, Server, warm
from bench.fleet import REPO, Target, fleet
from bench.procs import free_port, start
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.scenarios.peers import _compagnon, _fedify, _interleaved
from bench.stats import median

FEDIFY_GOAL = 10.0  # issue 12: Compagnon at ≥ 10x Fedify


@contextlib.asynccontextmanager
async def _floor(bench: Bench, name: str, verify: bool) -> AsyncIterator[Server]:
    port = free_port()
    argv = [sys.executable, "-m", "bench.servers.floor", str(port), str(_actors_file(bench))]
    process = start(
        name,
        argv + (["--verify"] if verify else []),
        log_path=bench.workdir / f"{name}.log",
        cwd=REPO,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        await process.wait_http(f"{base}/health")
        yield Server(name, Target(name, f"{base}/inbox", f"{base}/users/alice"), [process.pid])
    finally:
        process.stop()


@contextlib.asynccontextmanager
async def _accepting(bench: Bench) -> AsyncIterator[Server]:
    """Compagnon with its worker off: what it costs to accept (the activities stay queued)."""
    spec = node.NodeSpec("floor-compagnon-accepts", bench.workdir, run_worker=False)
    async with node.running(spec, users=("alice",)) as n:
        name = "Compagnon accepts"
        yield Server(
            name, Target(name, f"{n.base_url}/inbox", f"{n.base_url}/users/alice"), [n.pid]
        )


def _actors_file(bench: Bench) -> Path:
    return bench.workdir / "actors.json"  # where fleet() keeps the fake actors


async def run(bench: Bench) -> list[Measure]:
    sizes = bench.sizes
    async with (
        fleet(bench.workdir, sizes.fake_actors) as actors,
        contextlib.AsyncExitStack() as stack,
    ):
        servers = [
            await stack.enter_async_context(_floor(bench, "floor", verify=False)),
            await stack.enter_async_context(_floor(bench, "floor+verify", verify=True)),
            await stack.enter_async_context(_accepting(bench)),
            await stack.enter_async_context(_compagnon(bench)),
        ]
        measures: list[Measure] = []
        try:
            servers.append(await stack.enter_async_context(_fedify(bench)))
        except Exception as exc:  # a peer that cannot start is a result, not a crash
            measures.append(Measure("floor", "Fedify: not measured", "", [], note=f"{exc}"[:300]))
        for server in servers:
            warmed = await warm(server, actors, sizes, max(sizes.concurrency))
            progress_note = "stable" if warmed["stable"] else "NOT stable"
            print(f"   {server.name}: warmed with {warmed['posts']} POSTs ({progress_note})")
        batches = await _interleaved(bench, actors, servers)
    return measures + _measures(batches, sizes.peer_count)


def _measures(batches: dict[tuple[str, int], list[Batch]], count: int) -> list[Measure]:
    measures = []
    for (name, concurrency), runs in batches.items():
        measures.append(
            Measure(
                "floor",
                f"{name}: CPU per activity, {concurrency} in flight",
                "ms",
                [b.cpu_ms_per_activity for b in runs],
                note=f"its own process tree; {count} POSTs a run; "
                f"{median([b.accepted_per_s for b in runs]):,.0f} 2xx/s",
                detail={"runs": [b.summary() for b in runs]},
            )
        )
    for concurrency in sorted({c for _, c in batches}):
        fedify = batches.get(("Fedify", concurrency))
        if not fedify:
            continue
        for name in ("floor", "floor+verify", "Compagnon accepts", "Compagnon"):
            ours = batches.get((name, concurrency), [])
            pairs = list(zip(ours, fedify, strict=False))
            ratios = [t.cpu_ms_per_activity / o.cpu_ms_per_activity for o, t in pairs]
            what = {
                "Compagnon": "the node, accepted and applied",
                "Compagnon accepts": "the node's acceptance alone",
            }.get(name, "the most any inbox on it could reach")
            measures.append(
                Measure(
                    "floor",
                    f"Fedify's CPU per activity / {name}'s, {concurrency} in flight",
                    "x",
                    ratios,
                    f"≥ {FEDIFY_GOAL:.0f}x" if name == "Compagnon" else "",
                    (median(ratios) >= FEDIFY_GOAL) if name == "Compagnon" and ratios else None,
                    f"{what}; paired by repetition",
                )
            )
    return measures
