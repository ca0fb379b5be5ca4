"""Rate limits per access token, as Mastodon counts them: 300 calls in a five-minute window
(its default), told in `X-RateLimit-Limit`, `-Remaining` and `-Reset` on every answer to a
token; past the limit, 429 until the window turns.

In memory, per process (like the sign-in limits, server/signin_limit.py): with several web
processes a token gets the limit in each; good enough to stop a runaway app, not an
accounting."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

LIMIT = 300
WINDOW = 300.0  # seconds
MAX_TOKENS = 100_000  # forgotten oldest-first beyond this many live windows
HEADERS = web.RequestKey("api_rate_headers", dict[str, str])


@dataclass
class Windows:
    started: dict[int, float] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)

    def count(self, token_id: int, now: float) -> tuple[int, float]:
        """Count one call of `token_id`: (calls in the window, when the window ends)."""
        started = self.started.get(token_id)
        if started is None or now - started >= WINDOW:
            if len(self.started) >= MAX_TOKENS:
                oldest = min(self.started, key=self.started.__getitem__)
                self.started.pop(oldest)
                self.counts.pop(oldest, None)
            self.started[token_id] = started = now
            self.counts[token_id] = 0
        self.counts[token_id] += 1
        return self.counts[token_id], started + WINDOW


_BY_APP: weakref.WeakKeyDictionary[web.Application, Windows] = weakref.WeakKeyDictionary()


def check(request: web.Request, token_id: int, now: float | None = None) -> bool:
    """Count this call; False when the token is over its limit. The headers for the answer
    are left on the request (base.api_view adds them)."""
    windows = _BY_APP.setdefault(request.app, Windows())
    used, reset = windows.count(token_id, now if now is not None else time.time())
    request[HEADERS] = {
        "X-RateLimit-Limit": str(LIMIT),
        "X-RateLimit-Remaining": str(max(0, LIMIT - used)),
        "X-RateLimit-Reset": datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    return used <= LIMIT
