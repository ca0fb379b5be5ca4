"""The fake remote actors and the loopback server that publishes their keys, shared by the
inbox scenarios (Compagnon and its peers fetch the same keys from the same server)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bench.fakeactors import FakeActor, SignedPost, make_actors, save_actors, sign_all
from bench.loadgen import LoadResult, send
from bench.procs import BenchError, Process, free_port, start

REPO = Path(__file__).resolve().parents[1]
WARMUP_CONCURRENCY = 8


@dataclass
class Target:
    """An inbox under load: `inbox` is the URL POSTed to, `addressee` the local actor the
    notes are addressed to (cc)."""

    name: str
    inbox: str
    addressee: str


@dataclass
class Fleet:
    base: str
    actors: list[FakeActor]
    server: Process

    def sign(self, target: Target, run: str, count: int) -> list[SignedPost]:
        return sign_all(self.actors, target.inbox, target.addressee, run, count)

    async def warm_up(self, target: Target, deadline: float) -> LoadResult:
        """One POST per actor: the target fetches and caches every key before the clock runs.
        Every answer must be 2xx, else the target cannot take this load at all."""
        posts = self.sign(target, "warmup", len(self.actors))
        result = await send(posts, WARMUP_CONCURRENCY, deadline)
        if result.ok != len(posts):
            raise BenchError(f"{target.name} refused the warm-up: {dict(result.statuses)}")
        return result


@contextlib.asynccontextmanager
async def fleet(workdir: Path, count: int) -> AsyncIterator[Fleet]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    actors = make_actors(base, count)
    actors_file = workdir / "actors.json"
    save_actors(actors, actors_file)
    server = start(
        "actor server",
        [sys.executable, "-m", "bench.servers.actors", str(port), str(actors_file)],
        log_path=workdir / "actors.log",
        cwd=REPO,
    )
    try:
        await server.wait_http(f"{base}/health")
        yield Fleet(base, actors, server)
    finally:
        server.stop()
