"""Scenario (c): one post fanned out to N distinct shared inboxes, signed, from the publish
(the trainer's POST /compose) to the last 2xx.

"Distinct" here: N peer hosts, each its own loopback address (127.1.x.y) on one port, each
with its own shared inbox, its own Peer row and its own TCP connection: the node cannot
reuse one connection for two of them, as with N real servers. One receiver process listens
on all N addresses, checks every signature (draft-cavage, the author's key) and answers 202.
The followers are written into the node's database before it starts (as N accepted
follows would leave them): the figure is the delivery, not N follow handshakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from bench import node
from bench.fleet import REPO
from bench.procs import BenchError, Process, free_port, start
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.servers.receiver import address
from bench.stats import median
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Actor, Follow

GOAL_SECONDS = 1.5
POLL_INTERVAL = 0.02


@dataclass
class FanOut:
    node: node.CompagnonNode
    receiver: Process
    control: str  # the receiver's control URL base
    count: int


async def _add_followers(
    n: node.CompagnonNode, author: str, port: int, count: int
) -> dict[str, str]:
    """`count` remote followers of `author`, one per peer host; the author's key (for the
    receiver to verify with)."""
    engine = create_engine(n.settings.resolved_database_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            me = (await session.execute(select(Actor).where(Actor.uri == author))).scalar_one()
            followers = [_follower(address(i), port) for i in range(count)]
            session.add_all(followers)
            await session.flush()
            session.add_all(
                Follow(
                    follower_id=f.id,
                    followee_id=me.id,
                    state="accepted",
                    activity_uri=f"{f.uri}/follows/1",
                )
                for f in followers
            )
            return {"key_id": me.public_key_id, "owner": me.uri, "public_pem": me.public_key_pem}
    finally:
        await engine.dispose()


def _follower(host: str, port: int) -> Actor:
    base = f"http://{host}:{port}"
    return Actor(
        uri=f"{base}/users/trainer",
        type="Person",
        username="trainer",
        domain=f"{host}:{port}",
        is_local=False,
        inbox=f"{base}/users/trainer/inbox",
        shared_inbox=f"{base}/inbox",
        outbox=f"{base}/users/trainer/outbox",
        followers_url=f"{base}/users/trainer/followers",
        following_url=f"{base}/users/trainer/following",
        url=f"{base}/@trainer",
        public_key_id=f"{base}/users/trainer#main-key",
        public_key_pem="",
    )


@contextlib.asynccontextmanager
async def setup(
    bench: Bench, count: int, patches: tuple[str, ...] = (), name: str = "fanout"
) -> AsyncIterator[FanOut]:
    n = node.CompagnonNode(node.NodeSpec(name, bench.workdir, run_worker=True, patches=patches))
    author = await n.create_user("author")
    port = free_port()
    key = await _add_followers(n, author, port, count)
    key_file = n.home / "author-key.json"
    key_file.write_text(json.dumps(key))
    receiver = start(
        "fan-out receiver",
        [sys.executable, "-m", "bench.servers.receiver", str(port), str(count), str(key_file)],
        log_path=bench.workdir / "receiver.log",
        cwd=REPO,
    )
    control = f"http://127.0.0.1:{port}"
    try:
        await receiver.wait_http(f"{control}/_stats")
        await n.start()
        yield FanOut(n, receiver, control, count)
    finally:
        n.stop()
        receiver.stop()


async def one(fan: FanOut, web: node.WebUser, tag: str, deadline: float) -> dict[str, Any]:
    """Publish once; wait (bounded) for every inbox's 2xx; the timings, from the publish."""
    async with httpx.AsyncClient(timeout=10.0) as control:
        (await control.post(f"{fan.control}/_reset")).raise_for_status()
        started = time.monotonic()
        await web.publish(f"Fan-out {tag}: new welding checklist for EQF level 3")
        committed = time.monotonic()
        stats: dict[str, Any] = {}
        while time.monotonic() < started + deadline:
            stats = (await control.get(f"{fan.control}/_stats")).json()
            if stats["count"] + stats["refused"] >= fan.count:
                break
            await asyncio.sleep(POLL_INTERVAL)
    if stats.get("count", 0) < fan.count:
        raise BenchError(
            f"fan-out {tag}: {stats.get('count')} of {fan.count} inboxes got the "
            f"post in {deadline} s ({stats.get('refused')} refused the signature)"
        )
    return {
        "publish_to_last_2xx_s": stats["last"] - started,
        "publish_to_first_2xx_s": stats["first"] - started,
        "first_to_last_2xx_s": stats["last"] - stats["first"],
        "compose_answer_s": committed - started,
        "hosts": stats["hosts"],
        "verified": stats["verified"],
        "refused": stats["refused"],
    }


async def run(bench: Bench) -> list[Measure]:
    sizes = bench.sizes
    count = sizes.fanout_inboxes
    runs = []
    async with setup(bench, count) as fan, node.WebUser(fan.node, "author") as web:
        for rep in range(sizes.fanout_reps):
            runs.append(await one(fan, web, f"r{rep}", sizes.deadline))
    total = [r["publish_to_last_2xx_s"] for r in runs]
    first = [r["publish_to_first_2xx_s"] for r in runs]
    spread = [r["first_to_last_2xx_s"] for r in runs]
    note = (
        f"{count} distinct hosts, {runs[-1]['hosts']} reached, "
        f"{runs[-1]['verified']} signatures verified; run 1 also creates the Peer rows"
    )
    return [
        Measure(
            "fanout",
            f"publish → last 2xx, {count} shared inboxes",
            "s",
            total,
            f"< {GOAL_SECONDS} s",
            median(total) < GOAL_SECONDS,
            note,
            {"runs": runs},
        ),
        Measure("fanout", "publish → first 2xx (worker picks the queue up)", "s", first),
        Measure(
            "fanout",
            "first → last 2xx (the delivery itself)",
            "s",
            spread,
            "",
            None,
            f"{count / median(spread):.0f} deliveries/s" if median(spread) else "",
        ),
    ]


async def profiled(bench: Bench, begin: Callable[[int], Any], end: Callable[[Any], None]) -> None:
    """One fan-out with a profiler attached to the node from before the publish."""
    async with (
        setup(bench, bench.sizes.fanout_inboxes) as fan,
        node.WebUser(fan.node, "author") as web,
    ):
        recording = begin(fan.node.pid)
        await asyncio.sleep(1.0)
        await one(fan, web, "profiled", bench.sizes.deadline)
        end(recording)
