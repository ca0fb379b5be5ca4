"""The limits of one catalogue sync, page by page (federation/sync_limits.py): a walk stops
at each limit without storing past it, and a `next` that loops back is found whatever the
loop's length, never on an outbox that does not loop."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from compagnon.federation.sync_limits import Step, weigh
from compagnon.storage.queries.sync_jobs import SyncLimits, Walked

WIDE = SyncLimits(max_items=10**9, max_pages=10**9, max_bytes=10**12, max_empty_pages=10**9)


def walk(
    urls: list[str], limits: SyncLimits = WIDE, items: int = 1, size: int = 100
) -> tuple[int, Step]:
    """Follow `urls` (page i links urls[i + 1]; the last links nothing) as a sync would:
    the pages read and the last step."""
    walked = Walked()
    position = 0
    read = 0
    while True:
        url = urls[position]
        following = urls[position + 1] if position + 1 < len(urls) else None
        step = weigh(limits, walked, url, ["item"] * items, following, size, bool)
        read += 1
        if step.stopped_by or step.next_url is None:
            return read, step
        walked = step.walked
        position += 1


@given(tail=st.integers(0, 40), loop=st.integers(2, 40))
def test_a_next_that_loops_back_is_found_within_about_twice_the_walk(tail: int, loop: int) -> None:
    # pages p0 .. p(tail + loop - 1), and then p(tail) again, for ever
    pages = [f"https://peer.example/outbox?page={n}" for n in range(tail + loop)]
    endless = pages + [pages[tail + n % loop] for n in range(10 * (tail + loop) + 10)]
    read, step = walk(endless)
    assert step.stopped_by == "repeated_page"
    assert step.next_url in pages[tail:]
    assert read <= 2 * max(tail + 1, loop) + loop


@given(st.integers(1, 300))
def test_an_outbox_that_does_not_loop_is_never_taken_for_one(length: int) -> None:
    urls = [f"https://peer.example/outbox?page={n}" for n in range(length)]
    read, step = walk(urls)
    assert (read, step.stopped_by, step.next_url) == (length, None, None)


def test_a_page_that_would_pass_the_items_or_bytes_limit_is_refused_whole() -> None:
    before = Walked(pages=3, items=40, bytes_read=3_000)
    items: list[Any] = ["item"] * 20
    limits = SyncLimits(max_items=50, max_pages=100, max_bytes=10_000, max_empty_pages=10)
    step = weigh(limits, before, "https://p.example/4", items, "https://p.example/5", 500, bool)
    assert (step.items, step.next_url, step.walked, step.stopped_by) == (
        [], "https://p.example/4", before, "catalogue_sync_max_items"
    )  # fmt: skip
    step = weigh(limits, before, "https://p.example/4", items[:5], None, 7_001, bool)
    assert (step.items, step.walked, step.stopped_by) == ([], before, "catalogue_sync_max_bytes")
    # Exactly at the limits: the page is taken, and the walk stops there (or ends).
    step = weigh(
        limits, before, "https://p.example/4", items[:10], "https://p.example/5", 7_000, bool
    )
    assert (len(step.items), step.walked.items, step.stopped_by) == (
        10, 50, "catalogue_sync_max_items"
    )  # fmt: skip
    assert (
        weigh(limits, before, "https://p.example/4", items[:10], None, 10, bool).stopped_by is None
    )


def test_pages_and_empty_pages_stop_a_walk() -> None:
    limits = SyncLimits(max_items=10**6, max_pages=7, max_bytes=10**9, max_empty_pages=3)
    urls = [f"https://p.example/{n}" for n in range(100)]
    read, step = walk(urls, limits)
    assert (read, step.stopped_by, step.next_url) == (7, "catalogue_sync_max_pages", urls[7])
    read, step = walk(urls, limits, items=0)
    assert (read, step.stopped_by) == (3, "catalogue_sync_max_empty_pages")
