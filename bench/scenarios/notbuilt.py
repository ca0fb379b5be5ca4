"""Goals of the benchmarks issue whose feature the node does not have yet. Listed so the table
shows every goal; no harness is faked for them. When the feature lands, its scenario goes
here: faceted search needs the search query function (FTS5 / tsvector) over the timeline
scenario's 1M objects. (Catalogue sync has its own scenario now: sync.py.)"""

from __future__ import annotations

from bench.report import Measure
from bench.scenarios.context import Bench

NOT_BUILT = "not measurable yet: feature not built"


async def run(bench: Bench) -> list[Measure]:
    return [
        Measure("search", "faceted search at 1M objects, SQLite and PostgreSQL, p50 / p99",
                "ms", [], "< 30 ms / < 150 ms", None,
                f"{NOT_BUILT} (no search query in compagnon/storage/queries)"),
    ]
