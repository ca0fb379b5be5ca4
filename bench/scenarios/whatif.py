"""What the proposed changes would give: the inbox, propagation and fan-out measures again,
on nodes started with the prototype patches of bench/whatif/patches.py, beside an unpatched
node in the same run. Not part of `all` (`make bench SCENARIO=whatif`): it measures
proposals, not the node."""

from __future__ import annotations

import random

from bench import node
from bench.fleet import Target, fleet
from bench.loadgen import send
from bench.report import Measure
from bench.scenarios import fanout, propagation
from bench.scenarios.context import Bench
from bench.stats import median, percentile

INBOX_VARIANTS: dict[str, tuple[str, ...]] = {
    "today's node": (),
    "keycache": ("keycache",),
    "keycache + writer": ("keycache", "writer"),
}
LABEL = "what if"


async def run(bench: Bench) -> list[Measure]:
    measures = await _inbox(bench)
    measures += await _propagation(bench)
    measures += await _fanout(bench)
    return measures


async def _inbox(bench: Bench) -> list[Measure]:
    sizes = bench.sizes
    concurrency = max(sizes.concurrency)
    measures = []
    async with fleet(bench.workdir, sizes.fake_actors) as actors:
        for index, (label, patches) in enumerate(INBOX_VARIANTS.items()):
            spec = node.NodeSpec(f"whatif-inbox-{index}", bench.workdir, patches=patches)
            async with node.running(spec, users=("alice",)) as n:
                target = Target(label, f"{n.base_url}/inbox", f"{n.base_url}/users/alice")
                await actors.warm_up(target, sizes.deadline)
                results = [await send(actors.sign(target, f"wi{index}r{rep}", sizes.inbox_count),
                                      concurrency, sizes.deadline)
                           for rep in range(max(2, sizes.inbox_reps // 2))]
            p50 = median([r.summary()["p50_ms"] for r in results])
            measures.append(Measure(
                LABEL, f"inbox accepted/s, {concurrency} in flight: {label}", "/s",
                [r.ok_per_second for r in results], "", None, f"p50 {p50:.0f} ms",
                {"runs": [r.summary() for r in results]}))
    return measures


async def _propagation(bench: Bench) -> list[Measure]:
    sizes = bench.sizes
    async with propagation.pair(bench, "whatif", None, ("wakeup",)) as (a, b):
        latencies = await propagation.one_round(a, b, sizes.propagation_posts, "wi",
                                                random.Random(5))
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    return [Measure(LABEL, "A → B timeline p50 / p99, wakeup (default worker_interval)", "ms",
                    [p50], "< 50 ms / < 250 ms", None, f"p99 {p99:.0f} ms",
                    {"latencies_ms": [round(v * 1000, 1) for v in latencies]})]


FANOUT_VARIANTS: dict[str, tuple[str, ...]] = {
    "today's node": (),
    "wakeup": ("wakeup",),
    "wakeup + outbound": ("wakeup", "outbound"),
}


async def _fanout(bench: Bench) -> list[Measure]:
    count = bench.sizes.fanout_inboxes
    measures = []
    for index, (label, patches) in enumerate(FANOUT_VARIANTS.items()):
        async with fanout.setup(bench, count, patches, f"whatif-fanout-{index}") as fan, \
                node.WebUser(fan.node, "author") as web:
            runs = [await fanout.one(fan, web, f"wi{rep}", bench.sizes.deadline)
                    for rep in range(2)]
        first = median([r["publish_to_first_2xx_s"] for r in runs])
        measures.append(Measure(
            LABEL, f"fan-out publish → last 2xx, {count} inboxes: {label}", "s",
            [r["publish_to_last_2xx_s"] for r in runs], "< 1.5 s", None,
            f"publish → first 2xx {first:.2f} s", {"runs": runs}))
    return measures
