"""How big each scenario is: full sizes (the README's figures, ~15 min on 2 cores) and
--quick sizes (a smoke run of a few minutes)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    fake_actors: int = 64  # distinct remote actors (and keys) sending to the inbox
    inbox_count: int = 2000  # POSTs per run
    inbox_reps: int = 3
    concurrency: tuple[int, ...] = (8, 32)
    processed_count: int = 1000  # POSTs per run with the worker on (it does ~50/s today)
    processed_reps: int = 3
    peer_count: int = 2000  # POSTs per run, the same to Compagnon, Fedify and bovine
    peer_reps: int = 3  # interleaved: each repetition runs every server, seconds apart
    warmup_batch: int = 1000  # POSTs per warm-up batch (peers and scaling)
    warmup_batches: int = 12  # at most; fewer once two in a row agree within 5 %
    # ... and never fewer POSTs than this: Fedify's V8 keeps getting faster for ~7,500 POSTs,
    # and two batches may agree by chance on a busy machine before that.
    warmup_min_posts: int = 8000
    scaling_processes: tuple[int, ...] = (1, 2, 4)  # web processes (and as many workers)
    scaling_count: int = 4000  # POSTs per run of the scaling table
    scaling_reps: int = 2
    fanout_inboxes: int = 1000
    fanout_reps: int = 3
    propagation_posts: int = 20  # per round
    propagation_rounds: int = 2
    timeline_objects: int = 1_000_000
    timeline_queries: int = 300  # per repetition
    timeline_reps: int = 3
    sync_records: int = 100_000  # remote resources the aggregator imports, over 4 centres
    sync_deadline: float = 900.0
    search_objects: int = 1_000_000  # learning resources in the index
    search_queries: int = 200  # per kind of query and repetition
    search_reps: int = 3
    deadline: float = 120.0  # no run starts a new request after this many seconds
    soak_seconds: float = 300.0  # requests start for this long (scenario soak)
    # A steady load the 2 shared cores hold with room to spare (200 + 40 saturated them
    # while other sessions used 1.2 cores: see bench/README.md, soak)
    soak_post_rate: float = 100.0  # signed inbox POSTs started per second
    soak_view_rate: float = 20.0  # page views started per second


FULL = Sizes()
QUICK = Sizes(
    fake_actors=16,
    inbox_count=1000,
    inbox_reps=2,
    processed_count=500,
    processed_reps=1,
    peer_count=300,
    peer_reps=2,
    warmup_batch=300,
    warmup_batches=8,
    warmup_min_posts=1200,
    scaling_count=600,
    scaling_reps=2,
    fanout_inboxes=200,
    fanout_reps=1,
    propagation_posts=10,
    propagation_rounds=1,
    timeline_objects=100_000,
    timeline_queries=100,
    timeline_reps=1,
    sync_records=10_000,
    sync_deadline=300.0,
    search_objects=100_000,
    search_queries=50,
    search_reps=1,
    soak_seconds=30.0,
    soak_post_rate=50.0,
    soak_view_rate=10.0,
)
