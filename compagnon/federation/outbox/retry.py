"""When to try a failed delivery again, and when to stop. Pure functions of their inputs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
UNREACHABLE_DELAY = timedelta(hours=12)
GIVE_UP_AFTER = timedelta(days=7)
UNREACHABLE_AFTER_DAYS = 2.0
RETRY_STATUSES = frozenset({401, 408, 429})


@dataclass(frozen=True)
class Verdict:
    kind: str  # delivered | retry | give_up
    reason: str


def classify(status: int | None, error: str = "") -> Verdict:
    """What an answer means for the sender (the same reading as Mastodon's)."""
    if status is None:
        return Verdict("retry", error or "network error")
    if 200 <= status < 300:
        return Verdict("delivered", f"HTTP {status}")
    if status >= 500 or status in RETRY_STATUSES:
        return Verdict("retry", f"HTTP {status}")
    return Verdict("give_up", f"HTTP {status}")


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds, from either of its two forms; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - now).total_seconds())


def next_attempt(
    attempts: int,
    now: datetime,
    first_queued: datetime,
    *,
    unreachable: bool = False,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> datetime | None:
    """The next try after `attempts` failed ones, or None to give up. Exponential backoff with
    ±25 % jitter (so a peer coming back is not hit by every node at once), capped at 6 h;
    an unreachable host is tried every 12 h; after 7 days the row is given up."""
    if now - first_queued >= GIVE_UP_AFTER:
        return None
    rng = rng or random.Random()
    delay = min(BASE_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)
    if unreachable:
        delay = UNREACHABLE_DELAY
    delay = delay * rng.uniform(0.75, 1.25)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=min(retry_after, 86400)))
    moment: datetime = now + delay
    return moment
