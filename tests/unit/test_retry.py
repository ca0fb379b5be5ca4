"""The delivery retry policy: what each answer means, and when the next try comes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from compagnon.federation.outbox.retry import (
    GIVE_UP_AFTER,
    MAX_DELAY,
    classify,
    next_attempt,
    retry_after_seconds,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, "delivered"),
        (202, "delivered"),
        (204, "delivered"),
        (401, "retry"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (400, "give_up"),
        (403, "give_up"),
        (404, "give_up"),
        (410, "give_up"),
        (422, "give_up"),
        (None, "retry"),
    ],
)
def test_classify_reads_answers_as_mastodon_does(status: int | None, kind: str) -> None:
    assert classify(status).kind == kind


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    delays = [next_attempt(n, NOW, NOW, rng=rng) - NOW for n in range(1, 16)]  # type: ignore[operator]
    assert timedelta(seconds=22) <= delays[0] <= timedelta(seconds=38)
    assert delays[4] > delays[1] * 4  # roughly doubling
    assert max(delays) <= MAX_DELAY * 1.25
    assert len({d.total_seconds() for d in delays}) == len(delays)  # jitter: no two alike


def test_unreachable_host_is_tried_twice_a_day() -> None:
    delay = next_attempt(3, NOW, NOW, unreachable=True, rng=random.Random(1))
    assert delay is not None and timedelta(hours=9) <= delay - NOW <= timedelta(hours=15)


def test_retry_after_is_honoured_in_both_forms() -> None:
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds("Mon, 23 Nov 2026 12:10:00 GMT", NOW) == 600
    assert retry_after_seconds("soon", NOW) is None
    later = next_attempt(1, NOW, NOW, retry_after=3600, rng=random.Random(1))
    assert later is not None and later - NOW >= timedelta(hours=1)


def test_gives_up_after_a_week() -> None:
    assert next_attempt(20, NOW, NOW - GIVE_UP_AFTER) is None
    assert next_attempt(20, NOW, NOW - GIVE_UP_AFTER + timedelta(hours=1)) is not None
