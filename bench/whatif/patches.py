"""The prototype changes, each a function that patches the imported node in place.

keycache  Resolver.key_lookup keeps verified keys in memory (a dict by key id): no database
          session per signed POST. A failed verification still refetches (refresh=True).
writer    The inbox batch is written with executemany on the Core table (same ON CONFLICT
          DO NOTHING dedupe) instead of a multi-VALUES statement compiled per batch size, and
          peers.revive is skipped when no host of the batch is known to be unreachable.
wakeup    The worker sleeps until work arrives (an inbox commit, a publish) instead of for
          worker_interval: waits on an event with worker_interval as the upper bound.
outbound  Deliveries are claimed 8 waves at a time and sent with delivery_concurrency in
          flight (a semaphore, no barrier after each 32), and their outcomes are recorded
          with one UPDATE per status and two statements for all the Peer rows, instead of
          2-3 statements per delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Table

log = logging.getLogger("bench.whatif")
WAKE: asyncio.Event | None = None


def keycache() -> None:
    from compagnon.federation.resolver import Resolver
    from compagnon.federation.signatures import PublicKeyInfo

    original = Resolver.key_lookup
    cache: dict[str, PublicKeyInfo] = {}

    @functools.wraps(original)
    async def key_lookup(self: Resolver, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        if not refresh and key_id in cache:
            return cache[key_id]
        found = await original(self, key_id, refresh)
        if found is None:
            cache.pop(key_id, None)
        else:
            cache[key_id] = found
        return found

    Resolver.key_lookup = key_lookup  # type: ignore[method-assign]


def writer() -> None:
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    from sqlalchemy.ext.asyncio import AsyncSession

    from compagnon.storage.models import Activity, utcnow
    from compagnon.storage.queries import activities, peers

    async def insert_inbound(session: AsyncSession, rows: Any) -> None:
        if not rows:
            return
        now = utcnow()
        values = [{"uri": r["uri"], "type": r["type"], "actor_uri": r["actor_uri"],
                   "object_uri": r.get("object_uri"), "raw": r["raw"], "is_local": False,
                   "state": "pending", "attempts": 0, "received_at": now} for r in rows]
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = cast(Table, Activity.__table__)
        statement = insert(table).on_conflict_do_nothing(index_elements=["uri"])
        await session.execute(statement, values)  # a list of parameters: executemany

    original_revive = peers.revive
    unreachable: set[str] = set()  # the real change keeps this set fresh (as BlockList does)

    async def revive(session: AsyncSession, hosts: set[str]) -> list[str]:
        if not hosts & unreachable:
            return []
        return await original_revive(session, hosts)

    activities.insert_inbound = insert_inbound
    peers.revive = revive


def wakeup() -> None:
    from compagnon.federation.inbox.writer import InboxWriter
    from compagnon.server.views import pages
    from compagnon.server.worker import Report, Worker

    def wake() -> None:
        if WAKE is not None:
            WAKE.set()

    original_commit = InboxWriter._commit

    async def commit(self: InboxWriter, batch: Any) -> None:
        await original_commit(self, batch)
        wake()

    original_compose = pages.compose

    async def compose(request: Any) -> Any:
        try:
            return await original_compose(request)
        finally:  # the 303 is raised after the commit
            wake()

    async def run_forever(self: Worker, stop: asyncio.Event) -> None:
        global WAKE
        WAKE = asyncio.Event()
        await self.start()
        while not stop.is_set():
            WAKE.clear()  # work arriving during the pass sets it again: no lost wake-up
            try:
                report = await self.run_once()
            except Exception:
                log.exception("worker pass failed; trying again")
                report = Report()
            if report.idle:
                await _first(WAKE.wait(), stop.wait(), self.ctx.settings.worker_interval)

    InboxWriter._commit = commit  # type: ignore[method-assign]
    pages.compose = compose
    Worker.run_forever = run_forever  # type: ignore[method-assign]


OUTBOUND_WAVES = 8


def outbound() -> None:
    from sqlalchemy import update
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from compagnon.server import worker
    from compagnon.storage.models import Delivery, Peer

    w: Any = worker  # its module-level names, looked up at call time (they may change)
    original_record = w.Worker._record

    async def deliver_due(self: Any, report: Any, limit: int | None = None,
                          now: Any = None) -> None:
        concurrency = self.ctx.settings.delivery_concurrency
        async with self.ctx.sessions.begin() as session:
            claimed = await w.deliveries.claim_due(
                session, self.name, limit or concurrency * OUTBOUND_WAVES, w.LEASE, now)
            keys = await self._keys(session, {c.actor_uri for c in claimed})
            schemes = await w.peers.signature_schemes(session, {c.host for c in claimed})
        if not claimed:
            return
        gate = asyncio.Semaphore(concurrency)

        async def one(item: Any) -> Any:
            async with gate:
                if item.actor_uri not in keys:
                    return await w.unsendable(item, "no signing key")
                return await w.deliver(self.ctx, item, keys[item.actor_uri],
                                       schemes.get(item.host))

        attempts = await asyncio.gather(*(one(item) for item in claimed))
        await self._record(list(attempts), report, now or w.utcnow())

    async def record(self: Any, attempts: list[Any], report: Any, now: Any) -> None:
        done = [a for a in attempts if a.verdict.kind == "delivered"]
        if done:
            async with self.ctx.sessions.begin() as session:
                await _record_delivered(session, done)
            report.delivered += len(done)
        rest = [a for a in attempts if a.verdict.kind != "delivered"]
        if rest:
            await original_record(self, rest, report, now)

    async def _record_delivered(session: Any, done: list[Any]) -> None:
        moment = w.utcnow()
        by_status: dict[int, list[int]] = {}
        for attempt in done:
            by_status.setdefault(attempt.status or 200, []).append(attempt.delivery.id)
        for status, ids in by_status.items():
            await session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(
                state="delivered", attempts=Delivery.attempts + 1, last_status=status,
                last_error=None, finished_at=moment, claimed_by=None, claimed_until=None))
        hosts = sorted({a.delivery.host.lower() for a in done})
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        await session.execute(insert(cast(Table, Peer.__table__)).on_conflict_do_nothing(
            index_elements=["host"]), [{"host": h, "blocked": False, "unreachable": False,
                                        "note": ""} for h in hosts])
        await session.execute(update(Peer).where(Peer.host.in_(hosts)).values(
            last_success_at=moment, failing_since=None, unreachable=False))
        by_scheme: dict[str, list[str]] = {}
        for attempt in done:
            if attempt.scheme:
                by_scheme.setdefault(attempt.scheme, []).append(attempt.delivery.host.lower())
        for scheme, scheme_hosts in by_scheme.items():
            await session.execute(update(Peer).where(Peer.host.in_(scheme_hosts)).values(
                signature_scheme=scheme))

    w.Worker.deliver_due = deliver_due  # type: ignore[method-assign]
    w.Worker._record = record  # type: ignore[method-assign]


async def _first(a: Any, b: Any, limit: float) -> None:
    tasks = [asyncio.ensure_future(a), asyncio.ensure_future(b)]
    try:
        await asyncio.wait(tasks, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


PATCHES: dict[str, Callable[[], None]] = {"keycache": keycache, "writer": writer,
                                          "wakeup": wakeup, "outbound": outbound}
