"""Telling every process of a node that shared state changed (PostgreSQL LISTEN/NOTIFY).

Each process keeps a few things in memory for speed: the block list, the set of unreachable
hosts, the signature keys. When several web processes and workers share one PostgreSQL
database, a change made by one (or by a `compagnon peer block` command) must reach the others
within a second. Triggers made by migration 0020 send a notification on channel
`compagnon_changes` when it matters (a peer's policy or reachability changed; an actor's key
changed or the actor is gone), from the very transaction that changed it, so no code path can
forget to; `ChangeListener` holds one connection per process listening on it and calls back.

Payloads: `peers` (re-read the block list and the unreachable hosts) and `actor-keys <uri>`
(forget that actor's keys). After a reconnection every callback is called with `*`: what
happened while the connection was down is unknown, so everything is re-read.

SQLite nodes are one process: there is nothing to tell, and `ChangeListener` is not started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "compagnon_changes"
EVERYTHING = "*"
RECONNECT_PAUSES = (0.5, 1.0, 2.0, 5.0)  # seconds, then 5 s between further tries

Callback = Callable[[str], Awaitable[None]]


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeListener:
    def __init__(self, database_url: str) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._callbacks: dict[str, list[Callback]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.listening = asyncio.Event()  # set while a connection listens (tests wait on it)

    def on(self, topic: str, callback: Callback) -> None:
        self._callbacks.setdefault(topic, []).append(callback)

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until `stop` is set, reconnecting after a lost connection."""
        failures = 0
        first = True
        while not stop.is_set():
            try:
                connection = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                pause = RECONNECT_PAUSES[min(failures, len(RECONNECT_PAUSES) - 1)]
                failures += 1
                log.warning("cannot listen for changes (%s); again in %.1f s", exc, pause)
                await _wait(stop, pause)
                continue
            failures = 0
            await self._listen(connection, stop, missed=not first)
            first = False

    async def _listen(
        self, connection: asyncpg.Connection, stop: asyncio.Event, *, missed: bool
    ) -> None:
        """Until `stop` or the connection drops."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _conn: lost.set())
        try:
            await connection.add_listener(CHANNEL, self._received)
            self.listening.set()
            if missed:
                await self._dispatch_all(EVERYTHING)  # what was changed while we were away
            stopped = asyncio.ensure_future(stop.wait())
            dropped = asyncio.ensure_future(lost.wait())
            await asyncio.wait({stopped, dropped}, return_when=asyncio.FIRST_COMPLETED)
            for waiter in (stopped, dropped):
                waiter.cancel()
        finally:
            self.listening.clear()
            if not connection.is_closed():
                await connection.close()

    def _received(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        topic, _, detail = payload.partition(" ")
        for callback in self._callbacks.get(topic, []):
            task = asyncio.ensure_future(self._call(callback, detail))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _dispatch_all(self, detail: str) -> None:
        for callbacks in self._callbacks.values():
            for callback in callbacks:
                await self._call(callback, detail)

    @staticmethod
    async def _call(callback: Callback, detail: str) -> None:
        try:
            await callback(detail)
        except Exception:  # one failed refresh must not stop the listening
            log.exception("refreshing after a change notification failed")


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
