"""The hosts this node refuses, read from the database at most every few seconds, so that
`compagnon peer block HOST` takes effect on a running server without a restart."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.storage.queries import peers

REFRESH_SECONDS = 5.0


class BlockList:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._hosts: frozenset[str] = frozenset()
        self._allowed: frozenset[str] | None = None  # None: open federation
        self._read_at = float("-inf")

    async def hosts(self) -> frozenset[str]:
        if time.monotonic() - self._read_at > REFRESH_SECONDS:
            await self.refresh()
        return self._hosts

    async def allowed(self) -> frozenset[str] | None:
        """In allowlist-only mode the hosts allowed to federate; None when federation is open."""
        if time.monotonic() - self._read_at > REFRESH_SECONDS:
            await self.refresh()
        return self._allowed

    async def changed(self, _detail: str = "") -> None:
        """Another process changed a policy (storage/notify.py): re-read now."""
        await self.refresh()

    async def refresh(self) -> None:
        async with self._sessions() as session:
            self._hosts = frozenset(await peers.blocked_hosts(session))
            only = await peers.allowlist_only(session)
            self._allowed = frozenset(await peers.allowed_hosts(session)) if only else None
        self._read_at = time.monotonic()
