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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.context import FederationContext, SigningKey
from compagnon.federation.inbox.handlers import HANDLERS, Handling, Ignored
from compagnon.federation.outbox.deliver import Attempt, deliver, unsendable
from compagnon.federation.outbox.retry import (
    UNREACHABLE_AFTER_DAYS,
    next_attempt,
    retry_after_seconds,
)
from compagnon.federation.resolver import Resolver
from compagnon.storage.models import Actor, utcnow
from compagnon.storage.queries import activities, deliveries, peers
from compagnon.storage.queries.deliveries import Claimed

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)


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

    @property
    def idle(self) -> bool:
        return not (self.processed or self.failed or self.delivered or self.retried or self.gave_up)


class Worker:
    def __init__(self, ctx: FederationContext, name: str | None = None, batch: int = 100) -> None:
        self.ctx = ctx
        self.name = name or default_worker_name()
        self.batch = batch
        self.resolver = Resolver(ctx)

    async def start(self) -> None:
        async with self.ctx.sessions.begin() as session:
            released = await deliveries.release_claims(session, self.name)
        if released:
            log.info("took back %d deliveries claimed before a restart", released)

    async def run_once(
        self, max_deliveries: int | None = None, now: datetime | None = None
    ) -> Report:
        """One bounded pass. `now` lets a test stand at a later moment (a retry coming due)
        without waiting for it."""
        report = Report()
        await self.process_inbound(report)
        await self.deliver_due(report, max_deliveries, now)
        return report

    async def run_forever(self, stop: asyncio.Event) -> None:
        await self.start()
        while not stop.is_set():
            try:
                report = await self.run_once()
            except Exception:
                log.exception("worker pass failed; trying again")
                report = Report()
            if report.idle:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.ctx.settings.worker_interval)

    # --- inbound ---------------------------------------------------------------------------

    async def process_inbound(self, report: Report) -> None:
        async with self.ctx.sessions() as session:
            pending = await activities.claim_pending(session, self.batch)
            items = [(a.id, a.actor_uri, a.type, a.raw) for a in pending]
        for activity_id, actor_uri, type_, raw in items:
            sender = await self.resolver.actor(actor_uri)
            error = await self._apply(activity_id, sender, type_, raw)
            if error and not error.startswith("ignored"):
                report.failed += 1
            else:
                report.processed += 1

    async def _apply(
        self, activity_id: int, sender: Actor | None, type_: str, raw: dict[str, object]
    ) -> str | None:
        handler = HANDLERS.get(type_)
        error: str | None = None
        try:
            async with self.ctx.sessions.begin() as session:
                if not await activities.take(session, activity_id):
                    return None  # another worker has it
                if handler is None:
                    error = f"ignored: no handler for {type_}"
                elif sender is None:
                    error = "ignored: sender unknown"
                else:
                    sender = await session.merge(sender)
                    try:
                        async with session.begin_nested():
                            await handler(Handling(self.ctx, session, sender), raw)
                    except Ignored as exc:
                        error = f"ignored: {exc}"
                await activities.mark_processed(session, activity_id, error)
        except Exception as exc:
            log.exception("activity %s failed", activity_id)
            error = f"{type(exc).__name__}: {exc}"
            async with self.ctx.sessions.begin() as session:
                await activities.mark_processed(session, activity_id, error)
        return error

    # --- outbound --------------------------------------------------------------------------

    async def deliver_due(
        self, report: Report, limit: int | None = None, now: datetime | None = None
    ) -> None:
        size = min(
            limit or self.ctx.settings.delivery_concurrency, self.ctx.settings.delivery_concurrency
        )
        async with self.ctx.sessions.begin() as session:
            claimed = await deliveries.claim_due(session, self.name, size, LEASE, now)
            keys = await self._keys(session, {c.actor_uri for c in claimed})
            schemes = await peers.signature_schemes(session, {c.host for c in claimed})
        if not claimed:
            return
        attempts = await asyncio.gather(
            *(
                deliver(self.ctx, item, keys[item.actor_uri], schemes.get(item.host))
                if item.actor_uri in keys
                else unsendable(item, "no signing key: the sender is not a local actor")
                for item in claimed
            )
        )
        await self._record(attempts, report, now or utcnow())

    async def _keys(self, session: AsyncSession, actor_uris: set[str]) -> dict[str, SigningKey]:
        if not actor_uris:
            return {}
        rows = await session.execute(
            select(Actor.uri, Actor.public_key_id, Actor.private_key_pem).where(
                Actor.uri.in_(actor_uris), Actor.is_local.is_(True)
            )
        )
        return {uri: SigningKey(key_id, pem) for uri, key_id, pem in rows if pem}

    async def _record(self, attempts: list[Attempt], report: Report, now: datetime) -> None:
        async with self.ctx.sessions.begin() as session:
            for attempt in attempts:
                item = attempt.delivery
                verdict = attempt.verdict
                if verdict.kind == "delivered":
                    await deliveries.mark_delivered(session, item.id, attempt.status or 200)
                    await peers.record_success(session, item.host, attempt.scheme)
                    report.delivered += 1
                    continue
                if verdict.kind == "give_up":
                    await deliveries.mark_gave_up(session, item.id, attempt.status, verdict.reason)
                    report.gave_up += 1
                    continue
                await self._reschedule(session, item, attempt, report, now)

    async def _reschedule(
        self,
        session: AsyncSession,
        item: Claimed,
        attempt: Attempt,
        report: Report,
        current: datetime,
    ) -> None:
        unreachable = await peers.record_failure(
            session, item.host, current, UNREACHABLE_AFTER_DAYS
        )
        when = next_attempt(
            item.attempts + 1,
            current,
            item.created_at,
            unreachable=unreachable,
            retry_after=retry_after_seconds(attempt.retry_after, current),
        )
        if when is None:
            await deliveries.mark_gave_up(
                session, item.id, attempt.status, f"gave up after days: {attempt.verdict.reason}"
            )
            report.gave_up += 1
        else:
            await deliveries.mark_retry(
                session, item.id, attempt.status, attempt.verdict.reason, when
            )
            report.retried += 1
