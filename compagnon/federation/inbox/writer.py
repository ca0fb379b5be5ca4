"""Group commit for the inbox: requests that arrive together share one transaction.

A commit per request caps SQLite near 600/s; one shared commit reached 2,600/s (DESIGN.md §3).
Each request waits for the commit that holds its activity before it is answered 202, so an
answer always means "stored durably".

One bad row never fails the others: when a batch fails for something a row brought (a value
the database or the JSON encoder refuses), its rows are written again one at a time, each
answered by its own fate: the culprit gets UnstorableActivity (the inbox answers 400), the
others are stored. A failure of the database itself fails the batch at once (503, retried by
the peers), without trying each row against a database that is not there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.storage.queries import activities, deliveries, peers

log = logging.getLogger(__name__)
MAX_BATCH = 500
UNREACHABLE_REFRESH_SECONDS = 5.0

Waiting = tuple[dict[str, Any], asyncio.Future[None]]


class UnstorableActivity(Exception):
    """This activity can never be stored as it is (the database refuses one of its values):
    the sender's fault, not ours. The message says why, for the peer."""


def is_input_fault(error: BaseException) -> bool:
    """Did the rows cause this, rather than the database being unavailable?

    A value refused while binding (the JSON encoder, a type) or by the database as data
    (DataError, or PostgreSQL's SQLSTATE class 22 "data exception" that asyncpg reports as a
    plain DBAPIError: bad encoding, NUL, too long; IntegrityError or class 23: a constraint) is
    the input's fault; everything else (a lost connection, a locked or missing table, a
    timeout) is not."""
    if isinstance(error, sa_exc.DataError | sa_exc.IntegrityError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        sqlstate = getattr(error.orig, "sqlstate", None)
        return isinstance(sqlstate, str) and sqlstate[:2] in ("22", "23")
    if isinstance(error, sa_exc.StatementError):
        return isinstance(error.orig, TypeError | ValueError)
    return isinstance(error, TypeError | ValueError)


def _short(error: BaseException) -> str:
    cause = error.orig if isinstance(error, sa_exc.StatementError) else error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line}"[:200]


class InboxWriter:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._queue: asyncio.Queue[Waiting] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._committed = asyncio.Event()
        self.batches = 0  # batches committed since start
        # told how many activities each commit stored (the worker of this process: wake up,
        # and stop letting a batch gather once a chunk has arrived)
        self.on_commit: list[Callable[[int], None]] = []
        self._unreachable: set[str] = set()
        self._unreachable_read_at = float("-inf")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="inbox-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def store(self, row: dict[str, Any]) -> None:
        """Returns once the row is committed; raises UnstorableActivity if this row cannot be
        stored, the database's error if nothing can be stored now."""
        self.start()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((row, future))
        await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            # Let the requests already parsed in this loop turn join the batch.
            await asyncio.sleep(0)
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self._queue.get_nowait())
            await self._commit(batch)

    async def _commit(self, batch: list[Waiting]) -> None:
        try:
            await self._write([row for row, _ in batch])
        except Exception as error:  # the waiting requests get the error, the writer lives on
            if len(batch) > 1 and is_input_fault(error):
                log.warning("inbox batch of %d failed (%s): writing one by one", len(batch), error)
                await self._one_by_one(batch)
            else:
                log.exception("inbox batch of %d failed", len(batch))
                _fail(batch, error)
            return
        self._committed_now(batch)

    async def _one_by_one(self, batch: list[Waiting]) -> None:
        """Each row in a transaction of its own: the good ones stored, the culprit refused."""
        stored: list[Waiting] = []
        for index, item in enumerate(batch):
            try:
                await self._write([item[0]])
            except Exception as error:
                if not is_input_fault(error):  # the database went away meanwhile
                    log.exception("inbox write failed")
                    _fail(batch[index:], error)
                    break
                log.warning("inbox refused activity %s: %s", item[0].get("uri"), error)
                _fail([item], UnstorableActivity(_short(error)))
            else:
                stored.append(item)
        if stored:
            self._committed_now(stored)

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        hosts = {row["host"] for row in rows} & await self._unreachable_hosts()
        async with self._sessions.begin() as session:
            await activities.insert_inbound(session, rows)
            for host in await peers.revive(session, hosts):
                log.info("peer %s is back: its deliveries are due now", host)
                await deliveries.hurry_host(session, host)

    def _committed_now(self, batch: list[Waiting]) -> None:
        for _, future in batch:
            if not future.done():
                future.set_result(None)
        self.batches += 1
        for notify in self.on_commit:
            notify(len(batch))
        self._committed.set()
        self._committed = asyncio.Event()

    def note_unreachable(self, host: str) -> None:
        """The worker of this process just marked `host` unreachable: revive it on its next
        request without waiting for the re-read."""
        self._unreachable.add(host)

    async def peers_changed(self, _detail: str = "") -> None:
        """Another process changed a peer's reachability (storage/notify.py): re-read the set
        before the next batch instead of up to UNREACHABLE_REFRESH_SECONDS later."""
        self._unreachable_read_at = float("-inf")

    async def _unreachable_hosts(self) -> set[str]:
        """Hosts marked unreachable, re-read every few seconds: reviving them is the rare case,
        so the batch only pays for the UPDATE when one of them is in it (bench: +25 %)."""
        if time.monotonic() - self._unreachable_read_at > UNREACHABLE_REFRESH_SECONDS:
            async with self._sessions() as session:
                self._unreachable = await peers.unreachable_hosts(session)
            self._unreachable_read_at = time.monotonic()
        return self._unreachable

    async def next_commit(self) -> None:
        """Return when the next batch is committed: lets a caller react to arrivals without
        polling the database (bound the wait with asyncio.timeout)."""
        await self._committed.wait()


def _fail(batch: list[Waiting], error: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(error)
