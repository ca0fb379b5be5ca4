"""Scenario (soak): load held. One `compagnon serve` (SQLite, worker on, as a centre runs it)
takes signed inbox POSTs and page views together, at a steady rate, for minutes; the bench
records every answer, the latency percentiles, and the node's RSS every 10 s.

- Inbox: the fake actors (fakeactors.py, fleet.py) POST signed Create(Note)s to the shared
  inbox, addressed to the trainer alice, at `soak_post_rate` a second. Each POST is signed
  just before it is sent (in a thread, outside the latency clock): minutes of pre-signed
  requests would not fit in memory.
- Page views at `soak_view_rate` a second, in turn: alice's /home (signed in; her timeline
  grows with every note received), her profile, one of her posts, her outbox and its first
  page (what harvesters read), /search, the front page.
- Open loop: requests start on schedule whether or not earlier ones have answered (a slow
  node gets more requests in flight, as from real peers), at most `SOAK_IN_FLIGHT` of each
  kind; a request not started because of that cap is counted apart (the node fell behind,
  but did not fail it).
- Bounded: requests start for `soak_seconds`, then the bench waits (bounded) for the answers
  and for the worker to apply everything accepted.
- Nothing accepted lost: every 202 is an activity stored, none failed, and alice's home
  timeline holds one entry for each.
- Memory: VmRSS of the node process at the start, then every `SOAK_SAMPLE_EVERY` s, and after
  the drain; "flat" compares the last sample under load with the one after the first minute
  (start-up, caches and SQLite's page cache filling) or, in the quick form, the first one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench import node
from bench.fakeactors import FakeActor, SignedPost, create_note, sign_post
from bench.fleet import Fleet, Target, fleet
from bench.procs import BenchError, cpu_seconds, memory_kib
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.scenarios.inbox import drained
from bench.stats import percentile

SOAK_IN_FLIGHT = 64  # per kind of request
NOT_STARTED = f"not started: {SOAK_IN_FLIGHT} already in flight"
SOAK_SAMPLE_EVERY = 10.0
SETTLED_AFTER = 60.0  # seconds of load after which RSS should no longer grow
FLAT_GOAL_MB = 20.0  # growth allowed from then on to the end of the load
REQUEST_TIMEOUT = 30.0
POSTS_BY_ALICE = 20
PAGE_HTML = {"Accept": "text/html"}
PAGE_AP = {"Accept": "application/activity+json"}
STORED = "SELECT count(*) FROM activities WHERE is_local = 0"
FAILED = "SELECT count(*) FROM activities WHERE is_local = 0 AND state = 'failed'"
PENDING = "SELECT count(*) FROM activities WHERE state IN ('pending', 'processing')"
IN_TIMELINE = (
    "SELECT count(*) FROM timeline_entries t JOIN users u ON u.id = t.user_id "
    "JOIN objects o ON o.id = t.object_id WHERE u.username = 'alice' "
    "AND o.is_local = 0"
)


@dataclass
class Answers:
    """Every answer of one kind of request: status (or exception name) and latency."""

    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, of answers < 500
    by_page: dict[str, list[float]] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        """Answers >= 500, and requests that got no answer (refused, reset, timed out)."""
        return sum(
            n
            for s, n in self.statuses.items()
            if s != NOT_STARTED and (not s[:1].isdigit() or s >= "500")
        )

    @property
    def not_started(self) -> int:
        return self.statuses[NOT_STARTED]

    def accepted(self) -> int:
        return sum(n for s, n in self.statuses.items() if s.startswith("2"))

    def percentiles(self) -> dict[str, float]:
        return {f"p{q}_ms": round(percentile(self.latencies, q) * 1000, 2) for q in (50, 95, 99)}


@dataclass
class Sample:
    at_s: float
    rss_mb: float
    node_cores: float  # CPU the node used since the previous sample, in cores
    backlog: int  # activities received and not applied yet

    def as_dict(self) -> dict[str, float]:
        return {
            "at_s": round(self.at_s, 1),
            "rss_mb": round(self.rss_mb, 1),
            "node_cores": round(self.node_cores, 2),
            "backlog": self.backlog,
        }


async def run(bench: Bench) -> list[Measure]:
    sizes = bench.sizes
    spec = node.NodeSpec("soak", bench.workdir, run_worker=True)
    async with (
        fleet(bench.workdir, sizes.fake_actors) as actors,
        node.running(spec, users=("alice",)) as n,
    ):
        target = Target("compagnon", f"{n.base_url}/inbox", f"{n.base_url}/users/alice")
        await actors.warm_up(target, sizes.deadline)
        async with node.WebUser(n, "alice") as alice:
            for i in range(POSTS_BY_ALICE):
                await alice.publish(f"Workshop note {i}: welding safety, EQF level 3")
            await drained(n, sizes.deadline)
            views = _views(n, alice.http)
            posts, pages, samples, wall = await _load(bench, n, actors, target, views)
        await drained(n, sizes.deadline)
        final = Sample(wall, memory_kib(n.pid)["VmRSS"] / 1024, 0.0, n.scalar(PENDING))
        stored = n.scalar(STORED) - len(actors.actors)
        failed = n.scalar(FAILED)
        in_timeline = n.scalar(IN_TIMELINE) - len(actors.actors)
    accepted = posts.accepted()
    if stored != accepted or failed or in_timeline != accepted:
        raise BenchError(
            f"{accepted} POSTs answered 202 but {stored} activities are stored, "
            f"{failed} failed, {in_timeline} in alice's timeline"
        )
    return _measures(
        sizes,
        posts,
        pages,
        samples,
        final,
        wall,
        {"stored": stored, "failed": failed, "in_timeline": in_timeline},
    )


def _views(
    n: node.CompagnonNode, signed_in: aiohttp.ClientSession
) -> Iterator[tuple[str, aiohttp.ClientSession | None, str, dict[str, str]]]:
    """The page views in turn: (name, session or None for an anonymous one, URL, headers)."""
    base = n.base_url
    post = n.scalar("SELECT uri FROM objects WHERE is_local = 1 ORDER BY id DESC LIMIT 1")
    return itertools.cycle(
        [
            ("home (signed in)", signed_in, f"{base}/home", PAGE_HTML),
            ("profile", None, f"{base}/@alice", PAGE_HTML),
            ("a post", None, post, PAGE_HTML),
            ("home (signed in)", signed_in, f"{base}/home", PAGE_HTML),
            ("outbox", None, f"{base}/users/alice/outbox", PAGE_AP),
            ("outbox page", None, f"{base}/users/alice/outbox?page=true", PAGE_AP),
            ("search", None, f"{base}/search?q=weld", PAGE_HTML),
            ("front page", None, f"{base}/", PAGE_HTML),
        ]
    )


async def _load(
    bench: Bench,
    n: node.CompagnonNode,
    actors: Fleet,
    target: Target,
    views: Iterator[tuple[str, aiohttp.ClientSession | None, str, dict[str, str]]],
) -> tuple[Answers, Answers, list[Sample], float]:
    sizes = bench.sizes
    posts, pages = Answers(), Answers()
    samples: list[Sample] = []
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=SOAK_IN_FLIGHT)
    async with (
        aiohttp.ClientSession(connector=connector, timeout=timeout) as peers,
        aiohttp.ClientSession(timeout=timeout) as anonymous,
    ):
        counter = itertools.count()

        async def one_post() -> None:
            i = next(counter)
            actor = actors.actors[i % len(actors.actors)]
            signed = await asyncio.to_thread(_signed, actor, target, f"soak-{i}")
            await _timed(
                posts, None, peers.post(signed.url, data=signed.body, headers=signed.headers)
            )

        async def one_view() -> None:
            name, session, url, headers = next(views)
            await _timed(pages, name, (session or anonymous).get(url, headers=headers))

        started = time.monotonic()
        sampler = asyncio.create_task(_sample(n, started, samples))
        try:
            await asyncio.gather(
                _paced(one_post, sizes.soak_post_rate, sizes.soak_seconds, posts),
                _paced(one_view, sizes.soak_view_rate, sizes.soak_seconds, pages),
            )
        finally:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        wall = time.monotonic() - started
    return posts, pages, samples, wall


def _signed(actor: FakeActor, target: Target, tag: str) -> SignedPost:
    return sign_post(actor, target.inbox, create_note(actor, tag, target.addressee))


async def _timed(answers: Answers, page: str | None, request: Any) -> None:
    """One request: its status (or the exception's name) and, below 500, its latency."""
    started = time.perf_counter()
    try:
        async with request as response:
            await response.read()
            status = str(response.status)
    except (aiohttp.ClientError, TimeoutError) as exc:
        status = type(exc).__name__
    elapsed = time.perf_counter() - started
    answers.statuses[status] += 1
    if status[:1].isdigit() and status < "500":
        answers.latencies.append(elapsed)
        if page is not None:
            answers.by_page.setdefault(page, []).append(elapsed)


async def _paced(
    one: Callable[[], Coroutine[Any, Any, None]], rate: float, seconds: float, answers: Answers
) -> None:
    """Start `one()` `rate` times a second for `seconds` (open loop), at most SOAK_IN_FLIGHT
    at once; then wait for those in flight (each bounded by REQUEST_TIMEOUT)."""
    started = time.monotonic()
    running: set[asyncio.Task[None]] = set()
    for i in range(int(rate * seconds)):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(running) >= SOAK_IN_FLIGHT:
            answers.statuses[NOT_STARTED] += 1
            continue
        task = asyncio.create_task(one())
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.gather(*running)


async def _sample(n: node.CompagnonNode, started: float, samples: list[Sample]) -> None:
    """RSS, CPU and backlog of the node now and every SOAK_SAMPLE_EVERY s (until cancelled)."""
    cpu, at = cpu_seconds(n.pid), time.monotonic()
    while True:
        now = time.monotonic()
        used = cpu_seconds(n.pid)
        cores = (used - cpu) / (now - at) if now > at else 0.0
        samples.append(
            Sample(
                now - started,
                memory_kib(n.pid)["VmRSS"] / 1024,
                cores,
                await asyncio.to_thread(n.scalar, PENDING),
            )
        )
        cpu, at = used, now
        print(f"   {samples[-1].as_dict()}", flush=True)
        await asyncio.sleep(SOAK_SAMPLE_EVERY - (time.monotonic() - started) % SOAK_SAMPLE_EVERY)


def _measures(
    sizes: Any,
    posts: Answers,
    pages: Answers,
    samples: list[Sample],
    final: Sample,
    wall: float,
    kept: dict[str, int],
) -> list[Measure]:
    sent = posts.sent + pages.sent
    errors = posts.errors + pages.errors
    skipped = posts.not_started + pages.not_started
    rss = [s.rss_mb for s in samples]
    settled = next((s for s in samples if s.at_s >= SETTLED_AFTER), samples[0])
    growth = rss[-1] - settled.rss_mb
    series = [s.as_dict() for s in samples] + [{**final.as_dict(), "after_drain": True}]
    load = (
        f"{sizes.soak_seconds:.0f} s at {sizes.soak_post_rate:g} POSTs/s + "
        f"{sizes.soak_view_rate:g} views/s"
    )
    pages_detail = {
        name: {f"p{q}_ms": round(percentile(values, q) * 1000, 2) for q in (50, 95, 99)}
        | {"count": len(values)}
        for name, values in sorted(pages.by_page.items())
    }
    return [
        Measure(
            "soak",
            "requests (inbox POSTs + page views)",
            "",
            [float(sent)],
            "",
            None,
            f"{load}; {posts.sent} POSTs, {pages.sent} views in {wall:.0f} s",
            {"posts": dict(posts.statuses), "views": dict(pages.statuses)},
        ),
        Measure(
            "soak",
            "error rate (answers >= 500, or no answer)",
            "%",
            [100.0 * errors / sent if sent else 0.0],
            "0",
            errors == 0,
            f"{errors} errors; nothing accepted lost: {kept['stored']} stored, "
            f"{kept['failed']} failed, {kept['in_timeline']} in the timeline",
            kept,
        ),
        Measure(
            "soak",
            f"requests not started ({SOAK_IN_FLIGHT} of their kind in flight)",
            "%",
            [100.0 * skipped / sent if sent else 0.0],
            "",
            None,
            f"{skipped} requests: the node fell that far behind",
        ),
        *_latency("signed inbox POSTs", posts),
        *_latency("page views", pages, pages_detail),
        Measure("soak", "RSS of the node at the start of the load", "MB", [rss[0]]),
        Measure(
            "soak",
            "RSS of the node, highest sample under load",
            "MB",
            [max(rss)],
            "< 300 MB",
            max(rss) < 300.0,
        ),
        Measure(
            "soak",
            f"RSS growth from {settled.at_s:.0f} s to the end of the load",
            "MB",
            [growth],
            f"< {FLAT_GOAL_MB:.0f} MB (flat)",
            growth < FLAT_GOAL_MB,
            "every 10 s: "
            + " ".join(f"{r:.0f}" for r in rss)
            + f"; after the drain {final.rss_mb:.0f}",
            {"samples": series},
        ),
    ]


def _latency(what: str, answers: Answers, detail: dict[str, Any] | None = None) -> list[Measure]:
    shown = answers.percentiles()
    return [
        Measure(
            "soak",
            f"{what}: latency p{q}",
            "ms",
            [shown[f"p{q}_ms"]],
            "",
            None,
            f"{len(answers.latencies)} answers" if q == 50 else "",
            (detail or {}) if q == 50 else {},
        )
        for q in (50, 95, 99)
    ]
