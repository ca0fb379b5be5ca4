"""The worker: applies received activities and sends queued deliveries.

`run_once()` does one bounded pass and reports what it did (tests drive the queue with it);
`run_forever()` loops until told to stop. Many workers may share a PostgreSQL queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon import logs
from compagnon.federation import catalogue, member_list, relay
from compagnon.federation.context import FederationContext, SigningKey
from compagnon.federation.inbox.handlers import BATCH_HANDLERS, HANDLERS, BatchHandler
from compagnon.federation.inbox.handling import Handling, Ignored
from compagnon.federation.outbox import quiz as quiz_outbox
from compagnon.federation.outbox.deliver import Attempt, deliver, unsendable
from compagnon.federation.outbox.retry import Verdict
from compagnon.federation.resolver import Resolver
from compagnon.handover import queries as handover_queries
from compagnon.handover import rendered
from compagnon.handover.describe import describer
from compagnon.handover.sitemap import page_url
from compagnon.push import sender as push_sender
from compagnon.server.outcomes import OutcomeRecorder
from compagnon.server.watch.metrics import APPLIED
from compagnon.storage.models import Actor, utcnow
from compagnon.storage.queries import activities, deliveries, peers, work
from compagnon.storage.queries import push as push_queries
from compagnon.storage.queries.deliveries import Claimed

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
# Inbound activities applied per transaction, and what a pass claims (Worker.batch): a pass
# has ~15 statements of fixed cost, so under a stream the bigger the chunk, the less each
# activity carries; 100 against 50 cut the CPU per activity by a fifth to a quarter with no
# worse latency at the inbox (bench/README.md, "Letting a chunk gather").
CHUNK = 100
# Seconds a busy worker lets inbound activities gather between small passes, at most: a
# chunk arriving in this process ends the wait sooner.
GATHER = 0.05
CLAIM_FACTOR = 8  # deliveries claimed per pass, in multiples of the in-flight limit
# Deliveries sent and not yet recorded, in multiples of the in-flight limit: at most what a
# crash makes the node send twice (outcomes.py).
UNRECORDED_FACTOR = 2
TAKEN = "taken by another worker"
# Rendering OAI metadata ahead of harvests (render_ahead): records looked at per pass (at
# ~0.4 ms a record to render, a pass stays well under a second), and the rest after a walk
# found the whole table rendered.
RENDER_SCAN = 500
RENDER_REST = timedelta(seconds=60)


@dataclass(frozen=True)
class Pending:
    id: int
    actor_uri: str
    type: str
    raw: dict[str, Any]
    request_id: str | None = None  # of the inbox request that brought it (compagnon/logs.py)


def default_worker_name() -> str:
    # Stable across restarts of the same service, so a restarted worker takes back its claims.
    return os.environ.get("COMPAGNON_WORKER_NAME") or f"{socket.gethostname()}-worker"


@dataclass
class Report:
    processed: int = 0
    failed: int = 0
    delivered: int = 0
    retried: int = 0
    gave_up: int = 0
    poll_updates: int = 0  # Updates of our Questions' counts queued this pass
    sync: catalogue.SyncReport = field(default_factory=catalogue.SyncReport)
    pushes: push_sender.PushReport = field(default_factory=push_sender.PushReport)
    # OAI records whose metadata was rendered ahead of harvests: not federation work, so
    # not in `idle` (what tests settle on); run_forever goes on at once while it renders.
    rendered: int = 0

    @property
    def idle(self) -> bool:
        busy = self.processed or self.failed or self.delivered or self.retried or self.gave_up
        busy = busy or self.poll_updates or self.pushes.busy
        return not busy and _sync_idle(self.sync)


async def _first_of(events: Sequence[asyncio.Event], seconds: float) -> None:
    """Return when one of `events` is set, or after `seconds`."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


class Worker:
    def __init__(self, ctx: FederationContext, name: str | None = None, batch: int = CHUNK) -> None:
        self.ctx = ctx
        self.name = name or default_worker_name()
        self.batch = batch
        self.resolver = Resolver(ctx)
        self._wake = asyncio.Event()
        # inbound activities this process's inbox committed since the last pass began
        self._arrived = 0
        self._chunk_arrived = asyncio.Event()
        self.on_unreachable: list[Callable[[str], None]] = []
        self._render_after = 0  # where the walk of render_ahead stands (an object id)
        self._render_rest_until: datetime | None = None

    def wake(self) -> None:
        """Something was queued or received in this process: do a pass now, not after the
        interval (the interval still catches work queued by other processes)."""
        self._wake.set()

    def arrived(self, count: int) -> None:
        """The inbox of this process committed `count` activities: wake(), and end a gather
        once a chunk's worth is waiting."""
        self._arrived += count
        if self._arrived >= CHUNK:
            self._chunk_arrived.set()
        self.wake()

    async def start(self) -> None:
        async with self.ctx.sessions.begin() as session:
            released = await deliveries.release_claims(session, self.name)
        if released:
            log.info("took back %d deliveries claimed before a restart", released)
        jobs = await catalogue.release_claims(self.ctx, self.name)
        if jobs:
            log.info("took back %d catalogue sync jobs claimed before a restart", jobs)
        async with self.ctx.sessions.begin() as session:
            await push_queries.release_claims(session, self.name)

    async def run_once(
        self, max_deliveries: int | None = None, now: datetime | None = None
    ) -> Report:
        """One bounded pass. `now` lets a test stand at a later moment (a retry coming due)
        without waiting for it."""
        report = Report()
        await self.process_inbound(report)
        # One read says which other queues hold due work (storage/queries/work.py): read
        # after the inbound step, so it sees what applying activities queued.
        async with self.ctx.sessions() as session:
            due = await work.due_work(session, now or utcnow())
        if due.sync_jobs:
            await self.sync_catalogues(report, now)
        if due.polls:
            await self.update_polls(report, now)
        await self.refresh_member_list(now)
        # Sync and polls may queue deliveries and pushes after the read: then look anyway.
        queued_since = bool(report.poll_updates) or not _sync_idle(report.sync)
        if due.deliveries or queued_since:
            await self.deliver_due(report, max_deliveries, now)
        # Web Push to phone apps (compagnon/push/): after the deliveries, since applying
        # activities above is what queues most pushes.
        if due.pushes or queued_since:
            report.pushes = await push_sender.send_due(self.ctx, self.name, now)
        if report.idle:  # only when nothing else waits: harvests can always render themselves
            report.rendered = await self.render_ahead(now)
        return report

    async def render_ahead(self, now: datetime | None = None) -> int:
        """Render the `oai_dc` metadata of the next records that lack it (handover/
        rendered.py), a bounded walk of the records by object id, so harvesters read stored
        bytes. After a walk reaches the end, rest RENDER_REST before the next one. Returns how
        many were rendered."""
        moment = now or utcnow()
        settings = self.ctx.settings
        if not settings.oai_render_ahead:
            return 0
        if self._render_rest_until is not None and moment < self._render_rest_until:
            return 0
        base = self.ctx.urls.base
        current = rendered.rendering(base, settings.node_name)
        async with self.ctx.sessions() as session:
            records, stopped = await handover_queries.unrendered(
                session, self._render_after, "oai_dc", current, RENDER_SCAN
            )
            made = await rendered.metadata(
                session,
                records,
                "oai_dc",
                current,
                describer(base, settings.node_name, self.ctx.sessions),
                lambda r: page_url(base, r.uri, r.is_local, r.type),
            )
        if stopped is None:  # the end of the table: start again after a rest
            self._render_after, self._render_rest_until = 0, moment + RENDER_REST
        else:
            self._render_after, self._render_rest_until = stopped, None
        return len(made)

    async def refresh_member_list(self, now: datetime | None = None) -> None:
        """Keep the allowed peers in sync with an aggregator's member list, when due
        (member_list_url, federation/member_list.py). A failure is kept, not raised."""
        if not self.ctx.settings.member_list_url:
            return
        with contextlib.suppress(member_list.MemberListError):
            await member_list.refresh(self.ctx, now)

    async def update_polls(self, report: Report, now: datetime | None = None) -> None:
        """Queue the Updates of our Questions whose new counts (or closing) are due."""
        async with self.ctx.sessions.begin() as session:
            report.poll_updates = await quiz_outbox.send_due_updates(
                session, self.ctx.urls, now or utcnow()
            )

    async def run_forever(self, stop: asyncio.Event) -> None:
        await self.start()
        while not stop.is_set():
            try:
                report = await self.run_once()
            except Exception:
                log.exception("worker pass failed; trying again")
                report = Report()
            if report.idle and not report.rendered:
                await self._idle(stop)
            elif 0 < report.processed + report.failed < CHUNK:
                await self._gather(stop)

    async def _gather(self, stop: asyncio.Event) -> None:
        """Under a steady stream the inbox commits a few activities at a time, and a pass that
        goes on at once applies a handful, each carrying a share of the pass's fixed cost (its
        reads, its transaction, its commit: ~15 statements). After a pass that applied less
        than a chunk, let the next batch gather for up to GATHER, or until this process's
        inbox has committed a chunk; a pass that found a full chunk goes on at once, and the
        first pass after an idle wait is never delayed (a lone post is applied at once).
        bench/README.md, "Letting a chunk gather", has the measurements behind GATHER."""
        await _first_of((stop, self._chunk_arrived), GATHER)

    async def _idle(self, stop: asyncio.Event) -> None:
        await _first_of((stop, self._wake), self.ctx.settings.worker_interval)
        self._wake.clear()

    # --- inbound ---------------------------------------------------------------------------

    async def process_inbound(self, report: Report) -> None:
        """Apply pending activities, CHUNK to a transaction (one commit for many: a commit
        per activity capped processing near 40/s)."""
        self._arrived = 0
        self._chunk_arrived.clear()
        async with self.ctx.sessions() as session:
            pending = await activities.claim_pending(session, self.batch)
            items = [Pending(a.id, a.actor_uri, a.type, a.raw, a.request_id) for a in pending]
        if not items:
            return
        senders = await self.resolver.actors({i.actor_uri for i in items})
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            try:
                errors = await self._apply_chunk(chunk, senders)
            except Exception:  # the chunk's own transaction failed: isolate the culprit
                log.exception("a batch of %d activities failed; applying one by one", len(chunk))
                errors = [await self._apply_alone(item, senders) for item in chunk]
            for error in errors:
                if error and not error.startswith("ignored"):
                    report.failed += 1
                    APPLIED.labels("failed").inc()
                elif error != TAKEN:
                    report.processed += 1
                    APPLIED.labels("ignored" if error else "done").inc()

    async def _apply_chunk(
        self, chunk: list[Pending], senders: dict[str, Actor | None]
    ) -> list[str | None]:
        """One transaction: take the chunk in one UPDATE, apply runs of batchable activities
        (Creates) together and the others one by one, record every outcome at the end."""
        async with self.ctx.sessions.begin() as session:
            taken = await activities.take_many(session, [item.id for item in chunk])
            mine = [item for item in chunk if item.id in taken]
            attached = await self._load_senders(session, mine, senders)
            outcomes: dict[int, str | None] = {}
            for run in _runs(mine):
                batch = BATCH_HANDLERS.get(run[0].type)
                if batch is not None:
                    outcomes.update(await self._apply_run(session, batch, run, attached))
                else:
                    for item in run:
                        outcomes[item.id] = await self._apply(session, item, attached)
            if self.ctx.settings.is_aggregator:  # hand on what members sent (relay.py)
                applied = [
                    (attached.get(i.actor_uri), i.raw) for i in mine if outcomes.get(i.id) is None
                ]
                await relay.hand_on(session, self.ctx.urls, applied)
            await activities.mark_processed_many(session, outcomes)
        return [outcomes.get(item.id, TAKEN) for item in chunk]

    async def _load_senders(
        self, session: AsyncSession, items: list[Pending], senders: dict[str, Actor | None]
    ) -> dict[str, Actor | None]:
        """Every sender of the chunk into this session in one SELECT, by URI. The dict holds
        them for the chunk: the session's identity map keeps only weak references, so loaded
        and dropped they would each be fetched again by session.get()."""
        known = {s.id for uri in {i.actor_uri for i in items} if (s := senders.get(uri))}
        if not known:
            return {}
        result = await session.execute(select(Actor).where(Actor.id.in_(known)))
        return {actor.uri: actor for actor in result.scalars()}

    async def _apply_run(
        self,
        session: AsyncSession,
        batch: BatchHandler,
        run: list[Pending],
        senders: dict[str, Actor | None],
    ) -> dict[int, str | None]:
        outcomes: dict[int, str | None] = {}
        received: list[tuple[Actor, dict[str, Any]]] = []
        applied: list[Pending] = []
        for item in run:
            sender = await self._sender(session, item, senders)
            if sender is None:
                outcomes[item.id] = "ignored: sender unknown"
            else:
                received.append((sender, item.raw))
                applied.append(item)
        if received:
            # No savepoint: an error here fails the chunk's transaction, and the chunk is then
            # applied one activity at a time (each in a savepoint) to find the culprit.
            results = await batch(self.ctx, session, received)
            for item, ignored in zip(applied, results, strict=True):
                outcomes[item.id] = f"ignored: {ignored}" if ignored else None
        return outcomes

    async def _sender(
        self, session: AsyncSession, item: Pending, senders: dict[str, Actor | None]
    ) -> Actor | None:
        known = senders.get(item.actor_uri)
        if known is None or known in session:
            return known
        return await session.get(Actor, known.id)

    async def _apply_alone(self, item: Pending, senders: dict[str, Actor | None]) -> str | None:
        try:
            async with self.ctx.sessions.begin() as session:
                if not await activities.take(session, item.id):
                    return TAKEN  # another worker has it
                error = await self._apply(session, item, senders)
                if error is None and self.ctx.settings.is_aggregator:
                    sender = await self._sender(session, item, senders)
                    await relay.hand_on(session, self.ctx.urls, [(sender, item.raw)])
                await activities.mark_processed(session, item.id, error)
                return error
        except Exception as exc:
            log.exception("activity %s failed", item.id)
            async with self.ctx.sessions.begin() as session:
                await activities.mark_processed(session, item.id, f"{type(exc).__name__}: {exc}")
            return f"{type(exc).__name__}: {exc}"

    async def _apply(
        self, session: AsyncSession, item: Pending, senders: dict[str, Actor | None]
    ) -> str | None:
        """Run one activity's handler in a savepoint; returns the error to record, if any.
        The caller has taken the activity and records the outcome."""
        token = logs.request_id.set(item.request_id)  # this activity's log lines carry its id
        try:
            return await self._apply_handler(session, item, senders)
        finally:
            logs.request_id.reset(token)

    async def _apply_handler(
        self, session: AsyncSession, item: Pending, senders: dict[str, Actor | None]
    ) -> str | None:
        handler = HANDLERS.get(item.type)
        sender = await self._sender(session, item, senders)
        if handler is None:
            return f"ignored: no handler for {item.type}"
        if sender is None:
            return "ignored: sender unknown"
        try:
            async with session.begin_nested():
                await handler(Handling(self.ctx, session, sender), item.raw)
        except Ignored as exc:
            log.debug("activity %s (%s) ignored: %s", item.id, item.type, exc)
            return f"ignored: {exc}"
        except Exception as exc:  # recorded on the activity; the others go on
            log.exception("activity %s failed", item.id)
            return f"{type(exc).__name__}: {exc}"
        log.debug("activity %s (%s) applied", item.id, item.type)
        return None

    # --- catalogue sync --------------------------------------------------------------------

    async def sync_catalogues(self, report: Report, now: datetime | None = None) -> None:
        """A bounded share of the followed peers' outboxes (catalogue_sync_pages_per_pass
        pages): a big catalogue is imported over many passes, between deliveries."""
        report.sync = await catalogue.sync_pass(self.ctx, self.name, now)

    # --- outbound --------------------------------------------------------------------------

    async def deliver_due(
        self, report: Report, limit: int | None = None, now: datetime | None = None
    ) -> None:
        """Claim a large batch and keep `delivery_concurrency` POSTs in flight over it (a slow
        inbox holds one slot, not the whole batch); each outcome is recorded as soon as it is
        known (outcomes.py), so a crash re-sends only what was in flight."""
        in_flight = self.ctx.settings.delivery_concurrency
        size = limit or in_flight * CLAIM_FACTOR
        async with self.ctx.sessions.begin() as session:
            claimed = await deliveries.claim_due(session, self.name, size, LEASE, now)
            keys = await self._keys(session, {c.actor_uri for c in claimed})
            schemes = await peers.signature_schemes(session, {c.host for c in claimed})
        if not claimed:
            return
        slots = asyncio.Semaphore(in_flight)
        recorder = OutcomeRecorder(
            self.ctx,
            report,
            now=now,
            window=in_flight * UNRECORDED_FACTOR,
            on_unreachable=self.on_unreachable,
        )

        async def one(item: Claimed) -> None:
            await recorder.sending()
            if item.actor_uri not in keys:
                reason = "no signing key: the sender is not a local actor"
                recorder.add(await unsendable(item, reason))
                return
            async with slots:
                try:
                    attempt = await deliver(
                        self.ctx, item, keys[item.actor_uri], schemes.get(item.host)
                    )
                except Exception as exc:  # a bug, not the peer: retried later, not lost
                    log.exception("delivery %s failed", item.id)
                    attempt = Attempt(
                        item, Verdict("retry", f"{type(exc).__name__}: {exc}"), None, None
                    )
            recorder.add(attempt)

        try:
            await asyncio.gather(*(one(item) for item in claimed))
        finally:
            await recorder.close()

    async def _keys(self, session: AsyncSession, actor_uris: set[str]) -> dict[str, SigningKey]:
        if not actor_uris:
            return {}
        rows = await session.execute(
            select(Actor.uri, Actor.public_key_id, Actor.private_key_pem).where(
                Actor.uri.in_(actor_uris), Actor.is_local.is_(True)
            )
        )
        return {uri: SigningKey(key_id, pem) for uri, key_id, pem in rows if pem}


def _sync_idle(sync: catalogue.SyncReport) -> bool:
    return not (sync.pages or sync.retried or sync.failed or sync.stopped)


def _runs(items: list[Pending]) -> list[list[Pending]]:
    """Consecutive activities of the same type, in arrival order (a Delete after a Create of
    the same object must still come after it)."""
    runs: list[list[Pending]] = []
    for item in items:
        if runs and runs[-1][0].type == item.type:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs
