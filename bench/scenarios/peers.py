"""The inbox load of inbox.py against Fedify and bovine-herd, in the same invocation, on the
same machine, from the same fake actors; then Compagnon's ratio to each.

The peers are the interop suite's runners (tests/interop/peers/, imported, not copied): Fedify
2.3.6 on Node 22 with its in-memory KV store, processing inbox activities inline; bovine-herd
on SQLite in its own venv. Their "accepted" is their 2xx answer, whatever durability it means
for them: Fedify's store is in memory, bovine's is SQLite.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

from bench.fleet import Fleet, Target
from bench.loadgen import send
from bench.procs import free_port
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.stats import median

# Goals of the issue: Compagnon's accepted/s at least this many times each peer's.
RATIO_GOALS = {"Fedify": 10.0, "bovine": 25.0}


@contextlib.asynccontextmanager
async def _fedify(bench: Bench) -> AsyncIterator[Target]:
    from tests.interop.peers import fedify_peer

    fedify_peer.ensure_installed()
    async with fedify_peer.run_fedify_peer(free_port(), users=("alice",),
                                           log_dir=bench.workdir / "fedify") as peer:
        yield Target("Fedify", peer.shared_inbox_url, peer.actor_url("alice"))


@contextlib.asynccontextmanager
async def _bovine(bench: Bench) -> AsyncIterator[Target]:
    from tests.interop.peers import bovine_peer

    bovine_peer.ensure_installed()
    async with bovine_peer.run_bovine_peer(free_port(),
                                           log_dir=bench.workdir / "bovine") as peer:
        actor = await peer.actor()
        yield Target("bovine", str(actor["inbox"]), peer.actor_id)


PEERS: dict[str, Callable[[Bench], contextlib.AbstractAsyncContextManager[Target]]] = {
    "Fedify": _fedify,
    "bovine": _bovine,
}


async def run_all(bench: Bench, actors: Fleet, ours: dict[int, list[float]]) -> list[Measure]:
    measures: list[Measure] = []
    for name, runner in PEERS.items():
        try:
            rates, found = await _measure(bench, actors, runner)
        except Exception as exc:  # a peer that cannot take the load is a result, not a crash
            reason = f"{type(exc).__name__}: {str(exc)[:300]}"
            measures.append(Measure("inbox", f"{name}: signed POSTs accepted", "/s", [],
                                    note=f"not measured: {reason}"))
            rates = {}
        else:
            measures += found
        measures += _ratios(name, ours, rates)
    return measures


async def _measure(bench: Bench, actors: Fleet, runner: Callable[[Bench], Any]
                   ) -> tuple[dict[int, list[float]], list[Measure]]:
    sizes = bench.sizes
    rates: dict[int, list[float]] = {}
    measures = []
    async with runner(bench) as target:
        await actors.warm_up(target, sizes.deadline)
        for concurrency in sizes.concurrency:
            results = []
            for rep in range(sizes.peer_reps):
                posts = actors.sign(target, f"{target.name}-c{concurrency}r{rep}",
                                    sizes.peer_count)
                results.append(await send(posts, concurrency, sizes.deadline))
            rates[concurrency] = [r.ok_per_second for r in results]
            refused = sum(r.sent - r.ok for r in results)
            p50 = median([r.summary()["p50_ms"] for r in results])
            p99 = median([r.summary()["p99_ms"] for r in results])
            measures.append(Measure(
                "inbox", f"{target.name}: signed POSTs accepted (2xx), {concurrency} in flight",
                "/s", rates[concurrency], "", None,
                f"{sizes.peer_count} POSTs/run; {refused} not 2xx; p50 {p50:.0f} ms, "
                f"p99 {p99:.0f} ms", {"runs": [r.summary() for r in results]}))
    return rates, measures


def _ratios(name: str, ours: dict[int, list[float]], theirs: dict[int, list[float]]
            ) -> list[Measure]:
    goal = RATIO_GOALS[name]
    measures = []
    for concurrency, our_rates in ours.items():
        their = median(theirs.get(concurrency, []))
        if not their or math.isnan(their):
            measures.append(Measure("inbox", f"ratio Compagnon / {name}, {concurrency} in flight",
                                    "x", [], f"≥ {goal:.0f}x", None, "peer not measured"))
            continue
        ratio = median(our_rates) / their
        measures.append(Measure(
            "inbox", f"ratio Compagnon / {name}, {concurrency} in flight", "x", [ratio],
            f"≥ {goal:.0f}x", ratio >= goal, "ratio of the medians of accepted/s"))
    return measures
