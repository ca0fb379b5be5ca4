"""Who counts as the client, and how long a limited account waits (server/signin_limit.py)."""

from __future__ import annotations

import pytest

from compagnon.server.signin_limit import FailureWindow, client_address


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.5", None, [], "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", [], "203.0.113.5"),  # not a proxy: header ignored
        ("127.0.0.1", "198.51.100.1", ["127.0.0.1"], "198.51.100.1"),
        # The client wrote the first hop itself; nginx appended the real one.
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", ["127.0.0.1"], "198.51.100.1"),
        ("127.0.0.1", "198.51.100.1, 10.0.0.2", ["127.0.0.1", "10.0.0.2"], "198.51.100.1"),
        ("127.0.0.1", "10.0.0.2", ["127.0.0.1", "10.0.0.2"], "127.0.0.1"),
        ("127.0.0.1", "not an address", ["127.0.0.1"], "127.0.0.1"),
        ("127.0.0.1", "", ["127.0.0.1"], "127.0.0.1"),
        ("127.0.0.1", "2001:db8::1", ["127.0.0.1"], "2001:db8::1"),
        (None, None, [], "unknown"),
    ],
)
def test_client_address(
    peer: str | None, forwarded: str | None, trusted: list[str], client: str
) -> None:
    assert client_address(peer, forwarded, trusted) == client


def test_a_window_counts_failures_until_they_age_out() -> None:
    window = FailureWindow(limit=3, window=100)
    for moment in [0, 10, 20]:
        assert window.wait("ana", moment) == 0
        window.fail("ana", moment)
    assert window.wait("ana", 30) == 70  # until the first failure is 100 s old
    assert window.wait("rui", 30) == 0  # others are not held
    assert window.wait("ana", 100) == 0
    window.fail("ana", 100)
    assert window.wait("ana", 101) == 9  # 10, 20 and 100 are inside the window


def test_the_window_remembers_a_bounded_number_of_keys() -> None:
    window = FailureWindow(limit=1, window=100, max_keys=10)
    for n in range(50):
        window.fail(f"guess-{n}", 0)
    assert window.wait("guess-49", 1) > 0
    assert window.wait("guess-0", 1) == 0  # the oldest were forgotten first
