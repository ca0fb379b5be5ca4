"""The Mastodon API's rate limit per token (server/api/rate_limit.py): 300 calls in five
minutes, then refused until the window turns; each token counted apart."""

from __future__ import annotations

from compagnon.server.api.rate_limit import LIMIT, WINDOW, Windows


def test_a_token_is_refused_past_its_limit_until_the_window_turns() -> None:
    windows = Windows()
    counts = [windows.count(1, 1000.0 + i / 10)[0] for i in range(LIMIT + 1)]
    assert counts[-2] == LIMIT and counts[-1] == LIMIT + 1  # the 301st is over
    assert windows.count(2, 1100.0)[0] == 1  # another token is counted apart
    used, reset = windows.count(1, 1000.0 + WINDOW)
    assert used == 1 and reset == 1000.0 + 2 * WINDOW
