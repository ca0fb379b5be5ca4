"""What /metrics reports, in Prometheus' text format (prometheus-client).

Two kinds of figures:
- events counted where they happen (inbox outcomes, delivery outcomes, activities applied,
  request latency): counters and histograms of this process. With several processes, set
  PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode) and every process writes its
  figures there; /metrics of any process then sums them all.
- the state of the shared database (queue depth, age of the oldest waiting item, unreachable
  peers, catalogue sync progress): read at scrape time by `DatabaseCollector`, so every process
  reports the same truth and nothing is kept in one process's memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Activity, Delivery, Peer, SyncJob, utcnow

# The process's own figures. A registry of ours, not the library's global one, so importing
# this module twice (tests) or beside another library never clashes.
REGISTRY = CollectorRegistry(auto_describe=True)

INBOX = Counter(
    "compagnon_inbox_requests",
    "POSTs to an inbox, by outcome (accepted, or the reason it was refused).",
    ["outcome"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "compagnon_deliveries",
    "Delivery attempts recorded, by outcome: delivered, retry (scheduled again), gave_up.",
    ["outcome"],
    registry=REGISTRY,
)
APPLIED = Counter(
    "compagnon_activities_applied",
    "Received activities the worker applied, by result: done, ignored, failed.",
    ["result"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "compagnon_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (the route's pattern) and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


@dataclass
class DatabaseState:
    """The shared state, read once per scrape."""

    pending_inbound: int = 0
    oldest_inbound_age: float = 0.0
    due_deliveries: int = 0
    oldest_delivery_age: float = 0.0
    unreachable_peers: int = 0
    sync_jobs: dict[str, int] = field(default_factory=dict)
    sync_imported: int = 0


def _age(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


async def read_state(session: AsyncSession, now: datetime | None = None) -> DatabaseState:
    now = now or utcnow()
    pending, oldest_in = (
        await session.execute(
            select(func.count(), func.min(Activity.received_at)).where(Activity.state == "pending")
        )
    ).one()
    due, oldest_out = (
        await session.execute(
            select(func.count(), func.min(Delivery.next_attempt_at)).where(
                Delivery.state == "pending", Delivery.next_attempt_at <= now
            )
        )
    ).one()
    unreachable = await session.scalar(
        select(func.count()).select_from(Peer).where(Peer.unreachable.is_(True))
    )
    jobs = dict(
        (state, int(count))
        for state, count in await session.execute(
            select(SyncJob.state, func.count()).group_by(SyncJob.state)
        )
    )
    imported = await session.scalar(select(func.coalesce(func.sum(SyncJob.imported), 0)))
    return DatabaseState(
        pending_inbound=int(pending or 0),
        oldest_inbound_age=_age(oldest_in, now),
        due_deliveries=int(due or 0),
        oldest_delivery_age=_age(oldest_out, now),
        unreachable_peers=int(unreachable or 0),
        sync_jobs=jobs,
        sync_imported=int(imported or 0),
    )


class DatabaseCollector(Collector):
    """Gauges of one `DatabaseState`, read just before the exposition is written."""

    def __init__(self, state: DatabaseState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        s = self.state
        depth = GaugeMetricFamily(
            "compagnon_queue_depth",
            "Items waiting: inbound activities pending, deliveries due now.",
            labels=["queue"],
        )
        depth.add_metric(["inbound"], s.pending_inbound)
        depth.add_metric(["deliveries"], s.due_deliveries)
        yield depth
        age = GaugeMetricFamily(
            "compagnon_queue_oldest_age_seconds",
            "How long the oldest waiting item of each queue has waited.",
            labels=["queue"],
        )
        age.add_metric(["inbound"], s.oldest_inbound_age)
        age.add_metric(["deliveries"], s.oldest_delivery_age)
        yield age
        yield GaugeMetricFamily(
            "compagnon_peers_unreachable",
            "Peers marked unreachable (deliveries to them wait for a sign of life).",
            value=s.unreachable_peers,
        )
        jobs = GaugeMetricFamily(
            "compagnon_catalogue_sync_jobs",
            "Catalogue sync jobs (one per followed actor), by state.",
            labels=["state"],
        )
        for state, count in sorted(s.sync_jobs.items()):
            jobs.add_metric([state], count)
        yield jobs
        yield GaugeMetricFamily(
            "compagnon_catalogue_sync_imported",
            "Objects imported by catalogue sync, over every job held.",
            value=s.sync_imported,
        )


def exposition(state: DatabaseState) -> bytes:
    """The whole /metrics answer: this process's (or every process's) figures + the state."""
    registry = CollectorRegistry(auto_describe=True)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Own())
    registry.register(DatabaseCollector(state))
    return generate_latest(registry)


class _Own(Collector):
    """This process's registry, inside the per-scrape one."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
