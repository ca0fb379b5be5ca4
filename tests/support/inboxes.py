"""Receiving inboxes in the test process: bare aiohttp servers on loopback ports that count
the POSTs they get per activity id and answer 202, for counting what a node delivers
(lost: an id never received; duplicate: an id received more than once)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import orjson
from aiohttp import web

from tests.support.nodes import free_port


class CountingInboxes:
    """`count` inboxes, each on a port (a host) of its own. Use as an async context manager."""

    def __init__(self, count: int) -> None:
        self.ports = [free_port() for _ in range(count)]
        self.received: dict[int, Counter[str]] = {port: Counter() for port in self.ports}
        self.posts = 0
        # Called on each POST before it is answered (a test's fault injected mid-delivery).
        self.on_post: Callable[[CountingInboxes], Awaitable[None]] | None = None
        self._changed = asyncio.Condition()
        self._stack = AsyncExitStack()

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}/inbox" for port in self.ports]

    def actor_uri(self, port: int) -> str:
        return f"http://127.0.0.1:{port}/users/reader"

    async def __aenter__(self) -> CountingInboxes:
        for port in self.ports:
            app = web.Application()
            app.router.add_post("/inbox", self._handler(port))
            runner = web.AppRunner(app)
            await runner.setup()
            self._stack.push_async_callback(runner.cleanup)
            await web.TCPSite(runner, "127.0.0.1", port).start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._stack.aclose()

    def _handler(self, port: int) -> Any:
        async def receive(request: web.Request) -> web.Response:
            activity = orjson.loads(await request.read())
            self.received[port][str(activity.get("id"))] += 1
            self.posts += 1
            if self.on_post is not None:
                await self.on_post(self)
            async with self._changed:
                self._changed.notify_all()
            return web.Response(status=202)

        return receive

    def distinct(self) -> int:
        """(inbox, activity) pairs received at least once."""
        return sum(len(counts) for counts in self.received.values())

    def duplicates(self) -> int:
        """POSTs beyond the first of the same activity to the same inbox."""
        return sum(n - 1 for counts in self.received.values() for n in counts.values())

    async def until(self, done: Callable[[CountingInboxes], bool], within: float) -> None:
        """Wait for `done(self)`, re-checked after each POST received, for at most `within` s."""
        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(lambda: done(self))
        except TimeoutError:
            raise AssertionError(
                f"after {within:g} s: {self.posts} POSTs, {self.distinct()} distinct"
            ) from None
