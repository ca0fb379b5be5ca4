"""Scenario (d): a post published on node A until it is in the home timeline of its
follower on node B. Two `compagnon serve` processes (worker on, SQLite), B's reader follows
A's author through the real Follow/Accept exchange; then A's author publishes through the
web form and the bench polls B's database (read-only, every 2 ms, bounded) for the timeline
entry. Latency = 303 from A's /compose → row visible on B.

Run twice: with the node's default worker_interval (how long an idle worker sleeps before
looking at its queue again), and with 0.02 s, which shows what waking the worker when work
arrives would give. Posts are spaced by a random 0-200 ms so they do not fall in step with
the workers' polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator

from bench import node
from bench.procs import BenchError
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.stats import median, percentile
from compagnon import operations
from compagnon.config import Settings

P50_GOAL_MS, P99_GOAL_MS = 50.0, 250.0
POLL_INTERVAL = 0.002
VISIBLE_WITHIN = 15.0
FOLLOW_WITHIN = 30.0
VISIBLE = (
    "SELECT count(*) FROM timeline_entries t JOIN objects o ON o.id = t.object_id "
    "WHERE o.content LIKE ?"
)
ACCEPTED = "SELECT count(*) FROM follows WHERE state = 'accepted'"
VARIANTS: dict[str, float | None] = {
    "default worker_interval (1 s)": None,
    "worker_interval 0.02 s (diagnostic)": 0.02,
}


@contextlib.asynccontextmanager
async def pair(
    bench: Bench, tag: str, interval: float | None, patches: tuple[str, ...] = ()
) -> AsyncIterator[tuple[node.CompagnonNode, node.CompagnonNode]]:
    """Nodes A (author) and B (reader), B's reader following A's author."""
    async with (
        node.running(
            node.NodeSpec(
                f"prop-a-{tag}",
                bench.workdir,
                run_worker=True,
                worker_interval=interval,
                patches=patches,
            ),
            users=("author",),
        ) as a,
        node.running(
            node.NodeSpec(
                f"prop-b-{tag}",
                bench.workdir,
                run_worker=True,
                worker_interval=interval,
                patches=patches,
            ),
            users=("reader",),
        ) as b,
    ):
        await _follow(b.settings, f"{a.base_url}/users/author")
        await _until(
            lambda: a.scalar(ACCEPTED) and b.scalar(ACCEPTED),
            FOLLOW_WITHIN,
            "the Follow was not accepted",
        )
        yield a, b


async def _follow(settings: Settings, target: str) -> None:
    # `compagnon follow reader URL`, in-process: resolves A's actor, queues the Follow on B.
    await operations.follow(settings, "reader", target)


async def _until(check: object, within: float, failure: str) -> float:
    """Bounded poll of `check()`; returns the monotonic time it first held."""
    assert callable(check)
    stop_at = time.monotonic() + within
    while not check():
        if time.monotonic() > stop_at:
            raise BenchError(f"{failure} within {within} s")
        await asyncio.sleep(POLL_INTERVAL)
    return time.monotonic()


async def one_round(
    a: node.CompagnonNode, b: node.CompagnonNode, posts: int, tag: str, rng: random.Random
) -> list[float]:
    latencies = []
    async with node.WebUser(a, "author") as web:
        for i in range(posts):
            await asyncio.sleep(rng.uniform(0.0, 0.2))
            token = f"prop{tag}x{i}x{rng.randrange(10**9)}"
            started = time.monotonic()
            await web.publish(f"Propagation check {token}")
            seen = await _until(
                lambda t=token: b.scalar(VISIBLE, f"%{t}%"),
                VISIBLE_WITHIN,
                f"post {token} did not reach B's timeline",
            )
            latencies.append(seen - started)
    return latencies


async def run(bench: Bench) -> list[Measure]:
    sizes = bench.sizes
    measures = []
    rng = random.Random(4)
    for index, (label, interval) in enumerate(VARIANTS.items()):
        rounds: list[list[float]] = []
        async with pair(bench, str(index), interval) as (a, b):
            for r in range(sizes.propagation_rounds):
                rounds.append(await one_round(a, b, sizes.propagation_posts, f"{index}r{r}", rng))
        p50 = [percentile(x, 50) * 1000 for x in rounds]
        p99 = [percentile(x, 99) * 1000 for x in rounds]
        diagnostic = interval is not None
        slowest = max(map(max, rounds)) * 1000
        note = f"{sizes.propagation_posts} posts per round; slowest {slowest:.0f} ms"
        measures += [
            Measure(
                "propagation",
                f"A → B timeline p50, {label}",
                "ms",
                p50,
                f"< {P50_GOAL_MS:.0f} ms",
                None if diagnostic else median(p50) < P50_GOAL_MS,
                note,
                {"latencies_ms": [[round(v * 1000, 1) for v in x] for x in rounds]},
            ),
            Measure(
                "propagation",
                f"A → B timeline p99, {label}",
                "ms",
                p99,
                f"< {P99_GOAL_MS:.0f} ms",
                None if diagnostic else median(p99) < P99_GOAL_MS,
            ),
        ]
    return measures
