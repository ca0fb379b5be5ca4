"""One batch of signed inbox POSTs against a server, measured as the peers scenario and the
scaling table compare servers: accepted/s, applied/s and the server's own CPU per activity.

A server is its process trees (`roots`: the pids whose trees are the server, from /proc) and
how to tell that what it accepted is applied: Compagnon's queue drained (`drained`), or, for
a server that applies in a background task after its 2xx (bovine), its CPU going quiet. The
CPU is read before the first POST and after the server is done and quiet, so acceptance and
processing are counted together, whatever the server does inline or later.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.fleet import Fleet, Target
from bench.loadgen import send
from bench.procs import BenchError, settled_cpu, tree_cpu_seconds
from bench.sizes import Sizes

WARM_TOLERANCE = 0.05  # two consecutive warm-up batches within 5 %: warm


@dataclass
class Server:
    name: str
    target: Target
    roots: list[int]
    # Compagnon: returns once no activity is pending. None: done at the last 2xx (inline)...
    drained: Callable[[float], Awaitable[None]] | None = None
    # ... or, when True, once the CPU goes quiet (work left after the 2xx: bovine).
    background: bool = False


@dataclass
class Batch:
    server: str
    concurrency: int
    sent: int
    ok: int
    accept_s: float  # first POST → last answer
    done_s: float  # first POST → everything accepted applied
    cpu_s: float  # the server's CPU over the batch, processing included
    loadgen_cpu_s: float  # the load generator's (this process) CPU while it sent
    latency: dict[str, Any] = field(default_factory=dict)

    @property
    def accepted_per_s(self) -> float:
        return self.ok / self.accept_s if self.accept_s else 0.0

    @property
    def applied_per_s(self) -> float:
        return self.ok / self.done_s if self.done_s else 0.0

    @property
    def cpu_ms_per_activity(self) -> float:
        return self.cpu_s / self.ok * 1000 if self.ok else float("nan")

    @property
    def loadgen_cores(self) -> float:
        return self.loadgen_cpu_s / self.accept_s if self.accept_s else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "concurrency": self.concurrency,
            "sent": self.sent,
            "ok": self.ok,
            "accept_s": round(self.accept_s, 3),
            "done_s": round(self.done_s, 3),
            "accepted_per_s": round(self.accepted_per_s, 1),
            "applied_per_s": round(self.applied_per_s, 1),
            "cpu_s": round(self.cpu_s, 3),
            "cpu_ms_per_activity": round(self.cpu_ms_per_activity, 3),
            "loadgen_cores": round(self.loadgen_cores, 2),
            **self.latency,
        }


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # all threads of the bench process
    return usage.ru_utime + usage.ru_stime


async def batch(
    server: Server, actors: Fleet, label: str, count: int, concurrency: int, deadline: float
) -> Batch:
    """`count` distinct signed Create(Note)s (signed before the clock starts) with
    `concurrency` in flight; then wait (bounded) until the server has applied them."""
    # The label goes into the activities' ids: no spaces ("Compagnon x2" names a server).
    posts = actors.sign(server.target, label.replace(" ", "-"), count)
    cpu_before = tree_cpu_seconds(server.roots)
    own_before = _own_cpu()
    started = time.monotonic()
    load = await send(posts, concurrency, deadline)
    loadgen = _own_cpu() - own_before
    done = time.monotonic()
    if server.drained is not None:
        await server.drained(deadline)
        done = time.monotonic()
    cpu_after, last_busy = await settled_cpu(server.roots, deadline)
    if server.background:
        done = max(done, last_busy)
    if load.ok == 0:
        raise BenchError(f"{server.name} accepted none of {load.sent}: {dict(load.statuses)}")
    summary = load.summary()
    return Batch(
        server.name,
        concurrency,
        load.sent,
        load.ok,
        load.wall_seconds,
        done - started,
        cpu_after - cpu_before,
        loadgen,
        {"p50_ms": summary["p50_ms"], "p99_ms": summary["p99_ms"], "statuses": summary["statuses"]},
    )


def progress(found: Batch, what: str) -> None:
    print(
        f"   {found.server}, {what}: {found.applied_per_s:,.0f} applied/s, "
        f"{found.cpu_ms_per_activity:.2f} ms CPU per activity",
        flush=True,
    )


async def warm(server: Server, actors: Fleet, sizes: Sizes, concurrency: int) -> dict[str, Any]:
    """Keys fetched (one POST per actor), then batches of `sizes.warmup_batch` until at least
    `sizes.warmup_min_posts` were sent and two consecutive batches' CPU per activity differ by
    less than WARM_TOLERANCE (at most `sizes.warmup_batches` batches, the same for all).
    CPU per activity, not the rate: other sessions on a shared machine move the rate far more
    than 5 % from one batch to the next, and a JIT still warming shows in the CPU.
    First, the server's start-up must be over (gunicorn's forks and the workers importing)."""
    size, deadline = sizes.warmup_batch, sizes.deadline
    await settled_cpu(server.roots, deadline)
    await actors.warm_up(server.target, deadline)
    seen: list[Batch] = []
    stable = False
    for n in range(sizes.warmup_batches):
        seen.append(
            await batch(server, actors, f"{server.name}-warm{n}", size, concurrency, deadline)
        )
        progress(seen[-1], f"warm-up {n + 1}")
        if len(seen) >= 2 and size * len(seen) >= sizes.warmup_min_posts:
            before, now = seen[-2].cpu_ms_per_activity, seen[-1].cpu_ms_per_activity
            if abs(now - before) < WARM_TOLERANCE * before:
                stable = True
                break
    return {
        "posts": len(actors.actors) + size * len(seen),
        "stable": stable,
        "batches": [b.summary() for b in seen],
    }
