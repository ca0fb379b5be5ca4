"""The inbox load generator: sends pre-signed POSTs with a fixed number in flight and records
each answer's status and latency. Bounded twice: by the number of requests and by a deadline
after which no new request starts."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.fakeactors import SignedPost
from bench.stats import percentile

REQUEST_TIMEOUT = 30.0


@dataclass
class LoadResult:
    sent: int
    wall_seconds: float
    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, of 2xx answers only

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if status.startswith("2"))

    @property
    def ok_per_second(self) -> float:
        return self.ok / self.wall_seconds if self.wall_seconds else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "ok": self.ok,
            "statuses": dict(self.statuses),
            "wall_s": round(self.wall_seconds, 4),
            "ok_per_s": round(self.ok_per_second, 1),
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 2),
        }


async def _one(session: aiohttp.ClientSession, post: SignedPost, result: LoadResult) -> None:
    started = time.perf_counter()
    try:
        async with session.post(post.url, data=post.body, headers=post.headers) as response:
            await response.read()
            status = str(response.status)
    except (aiohttp.ClientError, TimeoutError) as exc:
        status = type(exc).__name__
    if status.startswith("2"):
        result.latencies.append(time.perf_counter() - started)
    result.statuses[status] += 1


async def send(posts: Sequence[SignedPost], concurrency: int, deadline: float) -> LoadResult:
    """POST every request of `posts` with `concurrency` in flight (keep-alive connections, as
    a peer's delivery workers keep theirs), stopping early at `deadline` seconds."""
    result = LoadResult(sent=0, wall_seconds=0.0)
    queue = iter(posts)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, skip_auto_headers=["User-Agent"]
    ) as session:
        started = time.perf_counter()
        stop_at = started + deadline

        async def worker() -> None:
            for post in queue:  # one shared iterator: each request is sent once
                if time.perf_counter() > stop_at:
                    return
                result.sent += 1
                await _one(session, post, result)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.wall_seconds = time.perf_counter() - started
    return result
