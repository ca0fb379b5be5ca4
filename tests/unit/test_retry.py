"""The delivery retry policy: what each answer means, and when the next try comes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from compagnon.federation.outbox.retry import classify, next_attempt, retry_after_seconds

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


class Jitter(random.Random):
    """A random source whose jitter factor is fixed: 1.0 gives the schedule without jitter."""

    def __init__(self, factor: float) -> None:
        super().__init__(0)
        self.factor = factor

    def uniform(self, a: float, b: float) -> float:
        assert (a, b) == (0.75, 1.25)  # ±25 %, as FEDERATION.md says
        return self.factor


def delay_after(attempts: int, factor: float = 1.0, **options: object) -> float:
    moment = next_attempt(attempts, NOW, NOW, rng=Jitter(factor), **options)  # type: ignore[arg-type]
    assert moment is not None
    return (moment - NOW).total_seconds()


# The figures below are FEDERATION.md's ("Delivery"), written out: changing the policy in
# retry.py must fail here until the documentation (and this test) say the same.
HOUR = 3600


def test_backoff_starts_at_30_s_doubles_and_is_capped_at_6_h() -> None:
    schedule = [delay_after(n) for n in range(1, 14)]
    assert schedule == [
        30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360,
        6 * HOUR, 6 * HOUR, 6 * HOUR,
    ]  # fmt: skip


def test_jitter_is_plus_or_minus_25_percent() -> None:
    assert delay_after(1, 0.75) == 22.5 and delay_after(1, 1.25) == 37.5
    assert delay_after(20, 0.75) == 4.5 * HOUR and delay_after(20, 1.25) == 7.5 * HOUR
    rng = random.Random(7)
    delays = [next_attempt(1, NOW, NOW, rng=rng) - NOW for _ in range(200)]  # type: ignore[operator]
    assert all(timedelta(seconds=22.5) <= d <= timedelta(seconds=37.5) for d in delays)
    assert len(set(delays)) == len(delays)  # no two alike: peers coming back are not stampeded


def test_unreachable_host_is_tried_every_12_h() -> None:
    for attempts in (3, 30):
        assert delay_after(attempts, unreachable=True) == 12 * HOUR


def test_retry_after_is_honoured_in_both_forms() -> None:
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds("Mon, 23 Nov 2026 12:10:00 GMT", NOW) == 600
    assert retry_after_seconds("soon", NOW) is None
    later = next_attempt(1, NOW, NOW, retry_after=3600, rng=random.Random(1))
    assert later is not None and later - NOW >= timedelta(hours=1)


def test_retry_after_longer_than_the_backoff_sets_the_next_try() -> None:
    assert delay_after(1, retry_after=HOUR) == HOUR
    assert delay_after(1, retry_after=10) == 30  # shorter: the backoff still applies


def test_gives_up_after_7_days() -> None:
    week = timedelta(days=7)
    assert next_attempt(20, NOW, NOW - week) is None
    assert next_attempt(20, NOW, NOW - week + timedelta(seconds=1)) is not None
    assert next_attempt(3, NOW, NOW - week, unreachable=True) is None
