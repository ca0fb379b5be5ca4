"""Compagnon's own CPU per activity accepted and applied, without the peers: the peers
scenario's server (`serve`, SQLite, worker on), warm-up and batches (batches.py), at quick
sizes; optionally a py-spy profile of the measured batches (OUT.profile.txt, its raw
samples in OUT.profile.raw). For a before/after of a change
on a machine where Fedify and bovine are not run (bench/README.md, "CPU per activity").

    python -m bench.own_cpu OUT.json [--profile] [--reps 3] [--count 300] [--patches a,b]
                                     [--accept-only]

--accept-only measures the node with its worker off (the floor scenario's `Compagnon
accepts`): the request path and the group commit alone, each batch done at its last 202.

--patches starts the node with prototype patches (bench/whatif/patches.py); with
`statements` the node's SQL statements, counted by text, are kept as OUT.statements.json,
each with its count per activity posted (warm-up included).

Each batch's CPU is read from /proc in 10 ms ticks: at the quick 300 POSTs a batch that is
0.03 ms an activity, so a before/after of a few percent wants `--count 2000` (the full
peers scenario's batch).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
from pathlib import Path

from bench import flame
from bench.batches import batch, progress, warm
from bench.fleet import fleet
from bench.scenarios.context import Bench
from bench.scenarios.floor import _accepting
from bench.scenarios.peers import _compagnon
from bench.sizes import QUICK

ATTACH_SECONDS = 1.0  # py-spy needs a moment to attach


async def measure(
    profile: Path | None,
    reps: int,
    count: int,
    patches: tuple[str, ...] = (),
    accept_only: bool = False,
) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="compagnon-own-cpu-"))
    bench = Bench(workdir=workdir, sizes=QUICK)
    found: dict[str, object] = {}
    node = _accepting(bench) if accept_only else _compagnon(bench, patches)
    try:
        async with (
            fleet(workdir, QUICK.fake_actors) as actors,
            node as server,
        ):
            warmed = await warm(server, actors, QUICK, max(QUICK.concurrency))
            found["warm"] = {"posts": warmed["posts"], "stable": warmed["stable"]}
            recording = None
            if profile is not None:  # the raw samples are kept there, for stack queries
                recording = flame.Recording(server.roots[0], profile)
                await asyncio.sleep(ATTACH_SECONDS)
            for rep in range(reps):
                for concurrency in QUICK.concurrency:
                    done = await batch(
                        server,
                        actors,
                        f"own-c{concurrency}r{rep}",
                        count,
                        concurrency,
                        QUICK.deadline,
                    )
                    progress(done, f"repetition {rep + 1}, {concurrency} in flight")
                    runs = found.setdefault(f"cpu_ms_{concurrency}", [])
                    assert isinstance(runs, list)
                    runs.append(round(done.cpu_ms_per_activity, 3))
                    # what a sending peer waits for its 202, and the rate everything applied
                    seen = found.setdefault(f"post_p50_p99_ms_applied_per_s_{concurrency}", [])
                    assert isinstance(seen, list)
                    seen.append(
                        [
                            done.latency.get("p50_ms"),
                            done.latency.get("p99_ms"),
                            round(done.applied_per_s),
                        ]
                    )
            if recording is not None:
                found["profile"] = flame.summarise(recording.stop(), top=40)
        posted = warmed["posts"] + reps * count * len(QUICK.concurrency)
        home = workdir / "peers-compagnon"  # the node has stopped: its files are written
        timed_steps = home / "steps.json"
        if timed_steps.exists():
            found["steps"] = {
                label: {"ms_per_activity": round(1000 * t / posted, 4), "calls": n}
                for label, (t, n) in json.loads(timed_steps.read_text()).items()
            }
        counted = home / "statements.json"
        if counted.exists():
            found["statements"] = [
                [round(n / posted, 3), text] for text, n in json.loads(counted.read_text())
            ]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.own_cpu", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--count", type=int, default=QUICK.peer_count, help="POSTs a batch")
    parser.add_argument("--patches", default="", help="bench/whatif patches, comma-separated")
    parser.add_argument("--accept-only", action="store_true", help="the node's worker off")
    args = parser.parse_args()
    patches = tuple(p for p in args.patches.split(",") if p)
    raw = args.out.with_suffix(".profile.raw") if args.profile else None
    found = asyncio.run(measure(raw, args.reps, args.count, patches, args.accept_only))
    profile = found.pop("profile", None)
    if isinstance(profile, str):
        args.out.with_suffix(".profile.txt").write_text(profile)
    timed_steps = found.pop("steps", None)
    if timed_steps is not None:
        args.out.with_suffix(".steps.json").write_text(json.dumps(timed_steps, indent=1))
    statements = found.pop("statements", None)
    if statements is not None:
        args.out.with_suffix(".statements.json").write_text(json.dumps(statements, indent=1))
    args.out.write_text(json.dumps(found, indent=1))
    print(json.dumps(found))


if __name__ == "__main__":
    main()
