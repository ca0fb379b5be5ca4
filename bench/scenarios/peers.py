"""Scenario peers: Compagnon, Fedify and bovine-herd side by side, measured fairly.

All three run at once on the same machine and get the same requests from the same fake
actors: the same count per repetition, the same Create(Note) shape, the same draft-cavage RSA
signature. Each is warmed until its CPU per activity is stable (batches.warm), then the
repetitions are interleaved: in each repetition every server gets its batch at 8 and at 32 in
flight, one after the other within seconds (the order rotates from one repetition to the
next), so a change in the machine's load falls on all three alike.

Like for like: Fedify applies an activity inline (its 2xx comes after its listener ran),
bovine in a background task after its 202, Compagnon in its worker after its 202. So for each
the batch ends when what it accepted is applied (Compagnon: its queue is drained; bovine: its
CPU goes quiet; Fedify: the last 2xx), and the CPU counted is the server's own process tree
from the first POST until then (Compagnon's worker runs inside `serve`, in that tree).

The peers are the interop suite's runners (tests/interop/peers/, imported, not copied): Fedify
2.3.6 on Node 22 with its in-memory KV store; bovine-herd on SQLite in its own venv.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from bench import node
from bench.batches import Batch, Server, batch, progress, warm
from bench.fleet import Fleet, Target, fleet
from bench.procs import BenchError, find_descendant, free_port
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.scenarios.inbox import drained
from bench.stats import median

# Goals of the issue: Compagnon at least this many times each peer, in CPU per activity and
# in throughput (accepted and applied), at 8 and 32 in flight.
RATIO_GOALS = {"Fedify": 10.0, "bovine": 25.0}


@contextlib.asynccontextmanager
async def _compagnon(bench: Bench, patches: tuple[str, ...] = ()) -> AsyncIterator[Server]:
    spec = node.NodeSpec("peers-compagnon", bench.workdir, run_worker=True, patches=patches)
    async with node.running(spec, users=("alice",)) as n:

        async def queue_drained(deadline: float) -> None:
            await drained(n, deadline)
            failed = n.scalar("SELECT count(*) FROM activities WHERE state = 'failed'")
            if failed:  # every activity accepted must be applied, or the CPU is not comparable
                raise BenchError(f"Compagnon's worker failed {failed} activities")

        yield Server(
            "Compagnon",
            Target("Compagnon", f"{n.base_url}/inbox", f"{n.base_url}/users/alice"),
            [n.pid],
            drained=queue_drained,
        )


@contextlib.asynccontextmanager
async def _fedify(bench: Bench) -> AsyncIterator[Server]:
    from tests.interop.peers import fedify_peer

    fedify_peer.ensure_installed()
    port = free_port()
    async with fedify_peer.run_fedify_peer(
        port, users=("alice",), log_dir=bench.workdir / "fedify"
    ) as peer:
        pid = find_descendant(os.getpid(), "peer.mjs", str(port))
        yield Server(
            "Fedify", Target("Fedify", peer.shared_inbox_url, peer.actor_url("alice")), [pid]
        )


@contextlib.asynccontextmanager
async def _bovine(bench: Bench) -> AsyncIterator[Server]:
    from tests.interop.peers import bovine_peer

    bovine_peer.ensure_installed()
    port = free_port()
    async with bovine_peer.run_bovine_peer(port, log_dir=bench.workdir / "bovine") as peer:
        pid = find_descendant(os.getpid(), "herd.py", str(port))
        actor = await peer.actor()
        yield Server(
            "bovine", Target("bovine", str(actor["inbox"]), peer.actor_id), [pid], background=True
        )


async def run(bench: Bench) -> list[Measure]:
    sizes = bench.sizes
    async with (
        fleet(bench.workdir, sizes.fake_actors) as actors,
        contextlib.AsyncExitStack() as stack,
    ):
        servers: list[Server] = []
        measures: list[Measure] = []
        for starter in (_compagnon, _fedify, _bovine):
            try:
                servers.append(await stack.enter_async_context(starter(bench)))
            except Exception as exc:  # a peer that cannot start is a result, not a crash
                name = starter.__name__.strip("_")
                measures.append(
                    Measure(
                        "peers",
                        f"{name}: not measured",
                        "",
                        [],
                        note=f"{type(exc).__name__}: {str(exc)[:300]}",
                    )
                )
        warmth = {}
        for server in servers:
            warmth[server.name] = await warm(server, actors, sizes, max(sizes.concurrency))
        batches = await _interleaved(bench, actors, servers)
    return measures + _measures(servers, batches, warmth, sizes.peer_count)


async def _interleaved(
    bench: Bench, actors: Fleet, servers: list[Server]
) -> dict[tuple[str, int], list[Batch]]:
    sizes = bench.sizes
    found: dict[tuple[str, int], list[Batch]] = {}
    for rep in range(sizes.peer_reps):
        order = servers[rep % len(servers) :] + servers[: rep % len(servers)]
        for concurrency in sizes.concurrency:
            for server in order:
                done = await batch(
                    server,
                    actors,
                    f"{server.name}-c{concurrency}r{rep}",
                    sizes.peer_count,
                    concurrency,
                    sizes.deadline,
                )
                progress(done, f"repetition {rep + 1}, {concurrency} in flight")
                found.setdefault((server.name, concurrency), []).append(done)
    return found


def _measures(
    servers: list[Server],
    batches: dict[tuple[str, int], list[Batch]],
    warmth: dict[str, Any],
    count: int,
) -> list[Measure]:
    measures = []
    for server in servers:
        warmed = warmth[server.name]
        measures.append(
            Measure(
                "peers",
                f"{server.name}: warm-up POSTs before the measured runs",
                "",
                [warmed["posts"]],
                "",
                None,
                "CPU per activity stable within 5 %"
                if warmed["stable"]
                else "**not stable** within the bounded warm-up",
                warmed,
            )
        )
        for (name, concurrency), runs in batches.items():
            if name != server.name:
                continue
            applied = "accepted and applied" if name != "Fedify" else "accepted (applied inline)"
            detail = {"runs": [b.summary() for b in runs]}
            p50 = median([b.latency["p50_ms"] for b in runs])
            refused = sum(b.sent - b.ok for b in runs)
            lg = median([b.loadgen_cores for b in runs])
            cut = sum(1 for b in runs if b.sent < count)  # the deadline stopped the batch
            measures.append(
                Measure(
                    "peers",
                    f"{name}: CPU per activity {applied}, {concurrency} in flight",
                    "ms",
                    [b.cpu_ms_per_activity for b in runs],
                    "",
                    None,
                    f"its own process tree, /proc utime+stime; {count} POSTs/run"
                    + (f" (**{cut} cut short by the deadline**)" if cut else ""),
                    detail,
                )
            )
            measures.append(
                Measure(
                    "peers",
                    f"{name}: activities {applied} per second, {concurrency} in flight",
                    "/s",
                    [b.applied_per_s for b in runs],
                    "",
                    None,
                    f"{refused} not 2xx; 2xx/s {median([b.accepted_per_s for b in runs]):,.0f}; "
                    f"p50 {p50:.1f} ms; load generator {lg:.2f} cores",
                )
            )
    measures += _ratios(batches)
    return measures


def _ratios(batches: dict[tuple[str, int], list[Batch]]) -> list[Measure]:
    """Per repetition, Compagnon against the same repetition of each peer (seconds apart):
    the median and min-max of those paired ratios."""
    measures = []
    for (name, concurrency), theirs in batches.items():
        ours = batches.get(("Compagnon", concurrency))
        if name == "Compagnon" or not ours:
            continue
        goal = RATIO_GOALS[name]
        pairs = list(zip(ours, theirs, strict=False))
        cpu = [t.cpu_ms_per_activity / o.cpu_ms_per_activity for o, t in pairs]
        rate = [o.applied_per_s / t.applied_per_s for o, t in pairs]
        for what, runs in (("CPU per activity", cpu), ("activities applied per second", rate)):
            measures.append(
                Measure(
                    "peers",
                    f"ratio Compagnon / {name}: {what}, {concurrency} in flight",
                    "x",
                    runs,
                    f"≥ {goal:.0f}x",
                    median(runs) >= goal,
                    "paired by repetition (interleaved runs)",
                )
            )
    return measures
