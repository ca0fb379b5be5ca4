"""Signature keys in memory, shared by every Resolver of a process (the inbox's and the
worker's): a database round trip per signed POST cost more than the RSA check itself.

Bounded (oldest out first) and short-lived: an entry serves for `seconds`, so a key changed
by another process is read again soon after. In this process an actor's Update or Delete
drops its keys at once (`forget_owner`), so a rotated (perhaps compromised) key stops
verifying when the worker applies the Update, not when the entry expires.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from compagnon.federation.signing.signatures import PublicKeyInfo

KEY_CACHE_SIZE = 10_000
KEY_CACHE_SECONDS = 300.0


class KeyCache:
    def __init__(
        self,
        size: int = KEY_CACHE_SIZE,
        seconds: float = KEY_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.seconds = seconds
        self._clock = clock
        self._entries: OrderedDict[str, tuple[PublicKeyInfo, float]] = OrderedDict()

    def get(self, key_id: str) -> PublicKeyInfo | None:
        entry = self._entries.get(key_id)
        if entry is None:
            return None
        if self._clock() - entry[1] >= self.seconds:
            del self._entries[key_id]
            return None
        self._entries.move_to_end(key_id)
        return entry[0]

    def put(self, info: PublicKeyInfo) -> None:
        self._entries[info.key_id] = (info, self._clock())
        self._entries.move_to_end(info.key_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def drop(self, key_id: str) -> None:
        self._entries.pop(key_id, None)

    def clear(self) -> None:
        self._entries.clear()

    async def changed(self, owner_uri: str) -> None:
        """A notification from another process (storage/notify.py): `*` means anything may
        have changed while we were not listening."""
        if owner_uri == "*":
            self.clear()
        else:
            self.forget_owner(owner_uri)

    def forget_owner(self, owner_uri: str) -> int:
        """Drop every key of one actor (rare: an Update or Delete of the actor)."""
        stale = [k for k, (info, _) in self._entries.items() if info.owner == owner_uri]
        for key_id in stale:
            del self._entries[key_id]
        return len(stale)
