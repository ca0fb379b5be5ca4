"""Goals of the benchmarks issue whose feature the node does not have yet. Listed so the table
shows every goal; no harness is faked for them. When the feature lands, its scenario replaces
its row here (faceted search did: scenarios/search.py). Catalogue sync needs the follow-time
outbox import, run against a peer serving 100,000 resources from datagen.py's generator."""

from __future__ import annotations

from bench.report import Measure
from bench.scenarios.context import Bench

NOT_BUILT = "not measurable yet: feature not built"


async def run(bench: Bench) -> list[Measure]:
    return [
        Measure("sync", "aggregator catalogue sync of 100,000 remote resources, PostgreSQL",
                "records/s", [], "≥ 3,000/s", None,
                f"{NOT_BUILT} (no outbox import on follow, no aggregator mode)"),
    ]
