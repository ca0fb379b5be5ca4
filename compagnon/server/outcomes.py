"""Recording delivery outcomes as they are known, so a crash re-sends only what was in flight.

A delivery's outcome is written as soon as its answer arrives, not when the batch the worker
claimed is done: a batch of 256 recorded at its end made a node killed mid-batch send up to
256 deliveries a second time (issue #8: 146-169 of 1,000 in the kill -9 test). Writes are
group-committed: one transaction takes every outcome that came in while the previous one was
being written, and waits for up to GROUP outcomes or GATHER seconds before it starts, so a
fast fan-out costs a few dozen commits a second, not one per delivery. `window` bounds how
many deliveries may be sent and not yet recorded at once: what a SIGKILL can make the node
send twice.

A write that fails (the database restarted, a PostgreSQL connection terminated) is tried
again on a fresh connection a few times; if it still fails, the rows keep their claim and
are sent again when the lease ends: delivered twice rather than lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.context import FederationContext
from compagnon.federation.outbox.deliver import Attempt
from compagnon.federation.outbox.retry import (
    UNREACHABLE_AFTER_DAYS,
    next_attempt,
    retry_after_seconds,
)
from compagnon.server.watch.metrics import DELIVERIES
from compagnon.storage.models import utcnow
from compagnon.storage.queries import deliveries, peers

log = logging.getLogger(__name__)
GROUP = 32  # outcomes that start a write at once
GATHER = 0.025  # seconds the first outcome waits for others before it is written anyway
WRITE_TRIES = 4
WRITE_PAUSES = (0.05, 0.2, 1.0)  # between tries: a dropped connection is replaced at once


class Counts(Protocol):
    delivered: int
    retried: int
    gave_up: int


class OutcomeRecorder:
    """Takes attempts one by one (`add`) and writes them in the background; `close()` waits
    until every one added is written (or given up on, after WRITE_TRIES)."""

    def __init__(
        self,
        ctx: FederationContext,
        report: Counts,
        *,
        now: datetime | None,
        window: int,
        on_unreachable: list[Callable[[str], None]],
    ) -> None:
        self.ctx = ctx
        self.report = report
        self.now = now  # a test standing at a later moment; None: the clock at each write
        self.on_unreachable = on_unreachable
        self.window = asyncio.Semaphore(window)
        self._waiting: list[Attempt] = []
        self._enough = asyncio.Event()  # GROUP outcomes waiting, or closing: write now
        self._closing = False
        self._writer: asyncio.Task[None] | None = None
        self._well: dict[str, str | None] = {}  # hosts marked well in this pass, by scheme

    async def sending(self) -> None:
        """Wait for room in the window before a POST (released once its outcome is written)."""
        await self.window.acquire()

    def add(self, attempt: Attempt) -> None:
        self._waiting.append(attempt)
        if len(self._waiting) >= GROUP:
            self._enough.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="delivery outcomes")

    async def close(self) -> None:
        self._closing = True
        self._enough.set()
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        if self._waiting:  # added after the writer's last look (not expected; cheap to cover)
            await self._write_all()

    async def _write_all(self) -> None:
        while self._waiting:
            if not self._enough.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(GATHER):
                        await self._enough.wait()
            batch, self._waiting = self._waiting, []
            if not self._closing:
                self._enough.clear()
            try:
                await self._write_with_retries(batch)
            finally:
                for _ in batch:
                    self.window.release()

    async def _write_with_retries(self, batch: list[Attempt]) -> None:
        for tries in range(1, WRITE_TRIES + 1):
            try:
                async with self.ctx.sessions.begin() as session:
                    counts = await self._write(session, batch)
            except Exception as exc:
                if tries == WRITE_TRIES:
                    log.exception(
                        "could not record %d delivery outcomes; they are sent again when "
                        "their claim ends",
                        len(batch),
                    )
                    return
                reason = str(exc).splitlines()[0][:200]
                log.warning("recording delivery outcomes failed (%s); trying again", reason)
                await asyncio.sleep(WRITE_PAUSES[tries - 1])
                continue
            delivered, retried, gave_up, unreachable, well, failed = counts
            self._well.update(well)
            for host in failed:
                self._well.pop(host, None)
            self.report.delivered += delivered
            self.report.retried += retried
            self.report.gave_up += gave_up
            DELIVERIES.labels("delivered").inc(delivered)
            DELIVERIES.labels("retry").inc(retried)
            DELIVERIES.labels("gave_up").inc(gave_up)
            for host in unreachable:
                for notify in self.on_unreachable:
                    notify(host)
            return

    async def _write(
        self, session: AsyncSession, batch: list[Attempt]
    ) -> tuple[int, int, int, set[str], dict[str, str | None], set[str]]:
        """One transaction; counts only once it commits (a retried write counts once)."""
        current = self.now or utcnow()
        delivered = [a for a in batch if a.verdict.kind == "delivered"]
        # The common case in bulk: one UPDATE for the rows, one upsert for their hosts.
        await deliveries.mark_delivered_many(
            session, [(a.delivery.id, a.status or 200) for a in delivered]
        )
        # A host is marked well once a pass, not once a write (a post to the same few hosts
        # many times over); a failure in between clears the mark, so a success after it counts.
        well = {a.delivery.host: a.scheme for a in delivered}
        await peers.record_successes(
            session, {h: v for h, v in well.items() if self._well.get(h, "?") != v}
        )
        retried = gave_up = 0
        unreachable_hosts: set[str] = set()
        failed: set[str] = set()
        for attempt in batch:
            item, verdict = attempt.delivery, attempt.verdict
            if verdict.kind == "delivered":
                continue
            if verdict.kind == "give_up":
                await deliveries.mark_gave_up(session, item.id, attempt.status, verdict.reason)
                gave_up += 1
                continue
            unreachable = await peers.record_failure(
                session, item.host, current, UNREACHABLE_AFTER_DAYS
            )
            if unreachable:
                unreachable_hosts.add(item.host)
            failed.add(item.host)
            when = next_attempt(
                item.attempts + 1,
                current,
                item.created_at,
                unreachable=unreachable,
                retry_after=retry_after_seconds(attempt.retry_after, current),
            )
            if when is None:
                reason = f"gave up after days: {verdict.reason}"
                await deliveries.mark_gave_up(session, item.id, attempt.status, reason)
                gave_up += 1
            else:
                await deliveries.mark_retry(session, item.id, attempt.status, verdict.reason, when)
                retried += 1
        return len(delivered), retried, gave_up, unreachable_hosts, well, failed
