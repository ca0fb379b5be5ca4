"""Run the benchmarks: `python -m bench.run [--quick] [--scenario NAME[,NAME]]`.

Each scenario starts what it needs on 127.0.0.1 only, stops it by pid, and returns Measures;
the whole run is written to bench/results/<date>.json (and latest.json) and printed as the
Markdown table that README.md carries.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.procs import BackgroundMeter, raise_open_files_limit
from bench.report import Measure, Results
from bench.scenarios import (
    aggregator,
    fanout,
    floor,
    inbox,
    micro,
    peers,
    profile,
    propagation,
    scaling,
    search,
    soak,
    sync,
    timeline,
    whatif,
)
from bench.scenarios.context import Bench
from bench.sizes import FULL, QUICK

Scenario = Callable[[Bench], Awaitable[list[Measure]]]
QUIET_CORES = 0.3
QUIET_SAMPLE = 3.0
# In the order they run; `all` runs these. Apart: profile (py-spy slows the node down),
# whatif (it measures proposed changes, not the node) and soak (minutes of steady load).
SCENARIOS: dict[str, Scenario] = {
    "micro": micro.run,
    "inbox": inbox.run,
    "peers": peers.run,
    "scaling": scaling.run,
    "fanout": fanout.run,
    "propagation": propagation.run,
    "timeline": timeline.run,
    "sync": sync.run,
    "search": search.run,
}
EXTRA: dict[str, Scenario] = {
    "profile": profile.run,
    "whatif": whatif.run,
    "soak": soak.run,
    "aggregator": aggregator.run,
    "floor": floor.run,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--scenario", default="all", help=f"comma-separated: all, {', '.join([*SCENARIOS, *EXTRA])}"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch directory (databases, node logs)"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each scenario, wait up to SECONDS for other processes "
        f"to use less than {QUIET_CORES} core (shared machines)",
    )
    return parser.parse_args(argv)


def chosen(names: str) -> dict[str, Scenario]:
    everything = {**SCENARIOS, **EXTRA}
    wanted = list(SCENARIOS) if names == "all" else [n.strip() for n in names.split(",")]
    unknown = [n for n in wanted if n not in everything]
    if unknown:
        raise SystemExit(
            f"unknown scenario(s): {', '.join(unknown)}; choose from all, {', '.join(everything)}"
        )
    return {n: everything[n] for n in wanted}


async def wait_for_quiet(limit: float) -> None:
    """Bounded: sample the other processes' load every few seconds until it is low."""
    stop_at = time.monotonic() + limit
    while time.monotonic() < stop_at:
        meter = BackgroundMeter()
        await asyncio.sleep(QUIET_SAMPLE)
        others = meter.cores()["others"]
        if others < QUIET_CORES:
            return
        print(
            f"   waiting for a quieter machine: other processes use {others:.2f} cores", flush=True
        )


async def run(argv: list[str]) -> Results:
    args = parse_args(argv)
    scenarios = chosen(args.scenario)
    sizes = QUICK if args.quick else FULL
    results = Results(
        command=shlex.join(["python", "-m", "bench.run", *argv]),
        quick=args.quick,
        sizes=dataclasses.asdict(sizes),
    )
    workdir = Path(tempfile.mkdtemp(prefix="compagnon-bench-"))
    bench = Bench(workdir=workdir, sizes=sizes)
    try:
        for name, scenario in scenarios.items():
            if args.quiet_wait:
                await wait_for_quiet(args.quiet_wait)
            started = time.monotonic()
            meter = BackgroundMeter()
            print(f"== {name}", flush=True)
            try:
                results.add(*await scenario(bench))
            except Exception as exc:  # one broken scenario must not hide the others' figures
                traceback.print_exc()
                results.errors[name] = f"{type(exc).__name__}: {str(exc)[:500]}"
            results.scenario_seconds[name] = round(time.monotonic() - started, 1)
            if results.scenario_seconds[name] >= 1.0:  # shorter: too few ticks to mean much
                results.busy_cores[name] = meter.cores()
            print(
                f"   {name} took {results.scenario_seconds[name]} s; cores busy (ours, "
                f"others): {results.busy_cores.get(name)}",
                flush=True,
            )
    finally:
        if args.keep:
            print(f"scratch directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> None:
    raise_open_files_limit()
    args = sys.argv[1:] if argv is None else argv
    results = asyncio.run(run(args))
    options = parse_args(args)
    # latest.json for a full run of everything, latest-<names>.json for full runs of some.
    latest = (
        None
        if options.quick
        else (
            "latest.json"
            if options.scenario == "all"
            else f"latest-{options.scenario.replace(',', '-')}.json"
        )
    )
    path = results.write(latest)
    print()
    print(results.table())
    print(f"written to {path}")
    if results.errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
