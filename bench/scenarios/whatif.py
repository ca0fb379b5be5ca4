"""What the remaining proposed changes would give: inbox acceptance, full processing and
fan-out again, on nodes started with the prototype patches of bench/whatif/patches.py,
beside an unpatched node in the same run. Not part of `all` (`make bench SCENARIO=whatif`):
it measures proposals, not the node."""

from __future__ import annotations

from bench import node
from bench.fleet import Fleet, Target, fleet
from bench.loadgen import send
from bench.report import Measure
from bench.scenarios import fanout
from bench.scenarios.context import Bench
from bench.scenarios.inbox import processed_runs
from bench.stats import median

# A proposal is a name of whatif/patches.py; each group runs only when it has one beside the
# unpatched node. The second round (revive, nh3, aiohttp) is in the node since; pool is left.
INBOX_VARIANTS: dict[str, tuple[str, ...]] = {"today's node": (), "pool": ("pool",)}
PROCESSED_VARIANTS: dict[str, tuple[str, ...]] = {}
FANOUT_VARIANTS: dict[str, tuple[str, ...]] = {}
LABEL = "what if"


async def run(bench: Bench) -> list[Measure]:
    async with fleet(bench.workdir, bench.sizes.fake_actors) as actors:
        measures = await _inbox(bench, actors)
        measures += await _processed(bench, actors)
    measures += await _fanout(bench)
    return measures


async def _inbox(bench: Bench, actors: Fleet) -> list[Measure]:
    sizes = bench.sizes
    concurrency = max(sizes.concurrency)
    measures = []
    for index, (label, patches) in enumerate(INBOX_VARIANTS.items()):
        spec = node.NodeSpec(f"whatif-inbox-{index}", bench.workdir, patches=patches)
        async with node.running(spec, users=("alice",)) as n:
            target = Target(label, f"{n.base_url}/inbox", f"{n.base_url}/users/alice")
            await actors.warm_up(target, sizes.deadline)
            results = [
                await send(
                    actors.sign(target, f"wi{index}r{rep}", sizes.inbox_count),
                    concurrency,
                    sizes.deadline,
                )
                for rep in range(max(2, sizes.inbox_reps))
            ]
        p50 = median([r.summary()["p50_ms"] for r in results])
        measures.append(
            Measure(
                LABEL,
                f"inbox accepted/s, {concurrency} in flight: {label}",
                "/s",
                [r.ok_per_second for r in results],
                "≥ 1,500/s",
                None,
                f"p50 {p50:.0f} ms",
                {"runs": [r.summary() for r in results]},
            )
        )
    return measures


async def _processed(bench: Bench, actors: Fleet) -> list[Measure]:
    measures = []
    for index, (label, patches) in enumerate(PROCESSED_VARIANTS.items()):
        spec = node.NodeSpec(
            f"whatif-processed-{index}", bench.workdir, run_worker=True, patches=patches
        )
        _rates, per_cpu, details, _totals = await processed_runs(bench, actors, spec)
        measures.append(
            Measure(
                LABEL,
                f"fully processed per CPU-second: {label}",
                "/s",
                per_cpu,
                "≥ 400/s per core",
                None,
                "",
                {"runs": details},
            )
        )
    return measures


async def _fanout(bench: Bench) -> list[Measure]:
    count = bench.sizes.fanout_inboxes
    measures = []
    for index, (label, patches) in enumerate(FANOUT_VARIANTS.items()):
        async with (
            fanout.setup(bench, count, patches, f"whatif-fanout-{index}") as fan,
            node.WebUser(fan.node, "author") as web,
        ):
            runs = [
                await fanout.one(fan, web, f"wi{rep}", bench.sizes.deadline) for rep in range(2)
            ]
        first = median([r["publish_to_first_2xx_s"] for r in runs])
        measures.append(
            Measure(
                LABEL,
                f"fan-out publish → last 2xx, {count} inboxes: {label}",
                "s",
                [r["publish_to_last_2xx_s"] for r in runs],
                "< 1.5 s",
                None,
                f"publish → first 2xx {first:.2f} s",
                {"runs": runs},
            )
        )
    return measures
