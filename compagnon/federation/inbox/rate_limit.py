"""Inbound activities per remote host: a token bucket per host, in this process's memory.

Each host may send `burst` activities at once, then `rate` per `window` seconds. The inbox
takes a token after parsing (the actor's host is known: cheap) and before verifying the
signature (a key fetch can cost seconds), and gives it back when the request turns out not to
come from that host (bad signature, signer not the actor): forged traffic naming a host must
not use up that host's allowance. Several server processes each keep their own buckets, so
the node as a whole admits up to that many times the limit; a restart forgets them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_HOSTS = 10_000  # buckets kept; full ones are dropped first when there are more


@dataclass
class HostRateLimiter:
    rate: int  # activities per window once the burst is spent; 0: no limit
    window: float  # seconds
    burst: int  # activities a host may send at once
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # tokens, at

    @property
    def enabled(self) -> bool:
        return self.rate > 0 and self.window > 0

    def _per_second(self) -> float:
        return self.rate / self.window

    def _level(self, host: str, now: float) -> float:
        tokens, at = self._buckets.get(host, (float(self.capacity), now))
        return min(float(self.capacity), tokens + (now - at) * self._per_second())

    @property
    def capacity(self) -> int:
        return max(self.burst, 1)

    def take(self, host: str) -> int | None:
        """Take one token for `host`: None when allowed, else the seconds to wait."""
        if not self.enabled:
            return None
        now = self.clock()
        tokens = self._level(host, now)
        if tokens < 1.0:
            self._buckets[host] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self._per_second()))
        self._buckets[host] = (tokens - 1.0, now)
        self._prune(now)
        return None

    def give_back(self, host: str) -> None:
        """Return a token taken for a request that did not come from `host` after all."""
        if self.enabled and host in self._buckets:
            now = self.clock()
            self._buckets[host] = (min(float(self.capacity), self._level(host, now) + 1.0), now)

    def _prune(self, now: float) -> None:
        if len(self._buckets) <= MAX_HOSTS:
            return
        for host in [h for h in self._buckets if self._level(h, now) >= self.capacity]:
            del self._buckets[host]  # a full bucket is what an unknown host starts with
        # All busy: forget the oldest, down to 90 % so the next sweep is far off.
        while len(self._buckets) > MAX_HOSTS * 9 // 10:
            del self._buckets[next(iter(self._buckets))]
