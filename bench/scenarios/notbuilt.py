"""Goals of the benchmarks issue whose feature the node does not have yet. Listed so the table
shows every goal; no harness is faked for them. When the feature lands, its scenario goes
here: faceted search needs the search query function (FTS5 / tsvector) over the timeline
scenario's 1M objects; catalogue sync needs the follow-time outbox import, run against a
peer serving 100,000 resources from datagen.py's generator."""

from __future__ import annotations

from bench.report import Measure
from bench.scenarios.context import Bench

NOT_BUILT = "not measurable yet: feature not built"


async def run(bench: Bench) -> list[Measure]:
    return [
        Measure("search", "faceted search at 1M objects, SQLite and PostgreSQL, p50 / p99",
                "ms", [], "< 30 ms / < 150 ms", None,
                f"{NOT_BUILT} (no search query in compagnon/storage/queries)"),
        Measure("sync", "aggregator catalogue sync of 100,000 remote resources, PostgreSQL",
                "records/s", [], "≥ 3,000/s", None,
                f"{NOT_BUILT} (no outbox import on follow, no aggregator mode)"),
    ]
