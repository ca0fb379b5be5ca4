"""Where the time goes: py-spy samples `compagnon serve` (by pid) while it
1. accepts the inbox load (worker off),
2. processes what it accepted (worker on),
3. fans one post out to the fan-out scenario's shared inboxes.
Writes a text summary per phase to bench/results/profiles/ (the raw stacks stay in the
scratch directory). Figures measured under the profiler are not reported: it slows the node.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench import flame, node
from bench.fleet import Fleet, Target, fleet
from bench.loadgen import send
from bench.report import Measure
from bench.scenarios import fanout
from bench.scenarios.context import Bench
from bench.scenarios.inbox import drained

PROFILES_DIR = Path(__file__).resolve().parents[1] / "results" / "profiles"
ATTACH_SECONDS = 1.0  # py-spy needs a moment to attach before the load starts


async def run(bench: Bench) -> list[Measure]:
    PROFILES_DIR.mkdir(parents=True, exist_ok=True)
    raw = bench.workdir / "profiles"
    raw.mkdir(exist_ok=True)
    async with fleet(bench.workdir, bench.sizes.fake_actors) as actors:
        await _inbound(bench, actors, raw)
    await fanout.profiled(
        bench,
        lambda pid: flame.Recording(pid, raw / "fanout.txt"),
        lambda rec: _write("outbound-fanout", rec),
    )
    return []


def _write(name: str, recording: flame.Recording) -> None:
    summary = flame.summarise(recording.stop())
    (PROFILES_DIR / f"{name}.txt").write_text(f"# py-spy profile: {name}\n\n{summary}")
    print(f"   profile {name}: {PROFILES_DIR / (name + '.txt')}")


async def _inbound(bench: Bench, actors: Fleet, raw: Path) -> None:
    sizes = bench.sizes
    spec = node.NodeSpec("profile", bench.workdir, run_worker=False)
    async with node.running(spec, users=("alice",)) as n:
        target = Target("compagnon", f"{n.base_url}/inbox", f"{n.base_url}/users/alice")
        await actors.warm_up(target, sizes.deadline)
        # Three runs' worth: at ~1,000/s one run is over before py-spy has many samples.
        posts = actors.sign(target, "profile", sizes.inbox_count * 3)
        recording = flame.Recording(n.pid, raw / "accept.txt")
        await asyncio.sleep(ATTACH_SECONDS)
        await send(posts, max(sizes.concurrency), sizes.deadline)
        _write("inbound-accept", recording)
        port = n.port
    # The same database (and domain), now with the worker on: it processes what was accepted.
    spec = node.NodeSpec("profile", bench.workdir, run_worker=True, port=port)
    n = node.CompagnonNode(spec)
    try:
        await n.start()
        recording = flame.Recording(n.pid, raw / "process.txt")
        await drained(n, sizes.deadline * 3)
        _write("inbound-process", recording)
    finally:
        n.stop()
