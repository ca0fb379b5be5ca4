"""The per-host token bucket of the inbox: a burst, then the rate; hosts apart; a token given
back for traffic that was not the host's; memory bounded. The clock is passed in."""

from __future__ import annotations

from compagnon.federation.inbox import rate_limit
from compagnon.federation.inbox.rate_limit import HostRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_rate_with_the_wait_told() -> None:
    clock = Clock()
    limiter = HostRateLimiter(rate=30, window=10.0, burst=5, clock=clock)  # 3 per second
    assert [limiter.take("a.example") for _ in range(5)] == [None] * 5
    assert limiter.take("a.example") == 1  # one token comes back in a third of a second
    assert limiter.take("b.example") is None  # another host has its own bucket
    clock.now += 1.0  # three tokens back
    assert [limiter.take("a.example") for _ in range(4)] == [None, None, None, 1]


def test_a_long_wait_is_told_in_whole_seconds() -> None:
    clock = Clock()
    limiter = HostRateLimiter(rate=3, window=60.0, burst=3, clock=clock)  # one per 20 s
    for _ in range(3):
        assert limiter.take("a.example") is None
    assert limiter.take("a.example") == 20
    clock.now += 15
    assert limiter.take("a.example") == 5


def test_a_token_given_back_can_be_used_again() -> None:
    limiter = HostRateLimiter(rate=1, window=3600.0, burst=2, clock=Clock())
    assert limiter.take("a.example") is None and limiter.take("a.example") is None
    assert limiter.take("a.example") is not None
    limiter.give_back("a.example")
    assert limiter.take("a.example") is None


def test_zero_means_no_limit() -> None:
    limiter = HostRateLimiter(rate=0, window=10.0, burst=0, clock=Clock())
    assert all(limiter.take("a.example") is None for _ in range(10_000))


def test_memory_is_bounded() -> None:
    clock = Clock()
    limiter = HostRateLimiter(rate=10, window=10.0, burst=10, clock=clock)
    for n in range(rate_limit.MAX_HOSTS + 500):
        limiter.take(f"h{n}.example")
    assert len(limiter._buckets) <= rate_limit.MAX_HOSTS + 1
