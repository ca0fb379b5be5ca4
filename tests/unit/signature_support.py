"""What the signature tests share: a fixed clock and request, and a recording key lookup.
The key fixtures (rsa, other_rsa, ed) live in tests/unit/conftest.py."""

from __future__ import annotations

from datetime import UTC, datetime

from compagnon.federation.signing.signatures import PubKey, PublicKeyInfo

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
INBOX = "https://node.example/users/ana/inbox"
OUTBOX_PAGE = "https://node.example/users/ana/outbox?page=2"
BODY = b'{"type": "Follow", "actor": "https://peer.example/users/bob"}'
KEY_ID = "https://peer.example/users/bob#main-key"
OWNER = "https://peer.example/users/bob"


class Lookup:
    """A key lookup that records its calls; `fresh` is what a refetch (refresh=True) returns."""

    def __init__(self, cached: PubKey | None, fresh: PubKey | None = None) -> None:
        self.cached = cached
        self.fresh = cached if fresh is None else fresh
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        self.calls.append((key_id, refresh))
        key = self.fresh if refresh else self.cached
        if key is None or key_id != KEY_ID:
            return None
        return PublicKeyInfo(key_id, OWNER, key)
