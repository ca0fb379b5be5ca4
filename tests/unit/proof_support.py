"""What the proof tests share (test_proofs.py, test_proof_vectors.py): the vectors' actor
and time, and a key lookup over a fixed table."""

from __future__ import annotations

from datetime import UTC, datetime

from compagnon.federation.signing.keys import PubKey, PublicKeyInfo

ALICE = "https://server.example/users/alice"
ALICE_KEY = f"{ALICE}#ed25519-key"
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)


class Lookup:
    """A key lookup over a fixed table; `fresh` is what a refetch (refresh=True) returns."""

    def __init__(
        self,
        keys: dict[str, PubKey],
        owner: str = ALICE,
        fresh: dict[str, PubKey] | None = None,
    ) -> None:
        self.keys, self.owner, self.fresh = keys, owner, fresh
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        self.calls.append((key_id, refresh))
        table = self.fresh if refresh and self.fresh is not None else self.keys
        key = table.get(key_id)
        return None if key is None else PublicKeyInfo(key_id, self.owner, key)
