"""How many failed sign-ins an account and a client address may have before they wait.

Failures are counted in a sliding window (`login_failure_window` seconds): past
`login_failures_per_account` for one account, or `login_failures_per_address` for one
address, sign-in is refused with 429 until the oldest failure in the window has aged out,
even with the right password. The counts live in the process's memory: a restart forgets
them, and two server processes count separately (each holds the limit on its own).

The clock is passed in (`clock`), so tests move time instead of waiting.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from compagnon.config import Settings

MAX_KEYS = 100_000  # accounts + addresses remembered at most; the oldest is forgotten first


class FailureWindow:
    """Failures per key within the last `window` seconds, at most `limit` before a wait."""

    def __init__(self, limit: int, window: float, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait(self, key: str, now: float) -> float:
        """Seconds `key` must wait before trying again (0: it may try now)."""
        times = self._recent(key, now)
        if len(times) < self.limit:
            return 0.0
        return times[-self.limit] + self.window - now

    def fail(self, key: str, now: float) -> None:
        times = self._recent(key, now)
        if not times:
            self._failures[key] = times
        self._failures.move_to_end(key)
        times.append(now)
        while len(times) > self.limit:  # more than `limit` tells nothing more
            times.popleft()
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)


class SignInLimiter:
    """The account and address limits together; `clock` is time.monotonic unless a test
    passes its own."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        window = float(settings.login_failure_window)
        self.accounts = FailureWindow(settings.login_failures_per_account, window)
        self.addresses = FailureWindow(settings.login_failures_per_address, window)
        self.clock = clock

    def retry_after(self, account: str, address: str) -> int:
        """Whole seconds to wait before this account may sign in from this address (0: now)."""
        now = self.clock()
        wait = max(self.accounts.wait(account, now), self.addresses.wait(address, now))
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        self.accounts.fail(account, now)
        self.addresses.fail(address, now)

    def succeeded(self, account: str) -> None:
        """The account's count starts again (the address's does not: one address trying
        many accounts is what the address limit is for)."""
        self.accounts.forget(account)


def client_address(peer: str | None, forwarded_for: str | None, trusted: list[str]) -> str:
    """The client's address: the connection's peer, unless the peer is a trusted proxy, in
    which case the last address of X-Forwarded-For that is not a trusted proxy itself (the
    ones before it were written by the client and prove nothing)."""
    address = peer or "unknown"
    if not forwarded_for or address not in trusted:
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a garbled header: believe the socket
        if hop not in trusted:
            return hop
    return address
