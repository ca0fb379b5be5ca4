"""The prototype changes, each a function that patches the imported node in place, applied
before `compagnon serve` builds its app.

The first round of prototypes (signature keys in memory, executemany group commit, worker
wake-up, deliveries without waves and with bulk outcome records) is in the node since
d6ba9fd; their measurements before that commit are in results/before-d6ba9fd-whatif.json.
What is left to try:

pool     SQLite engines get a pool as large as the load's concurrency (32, no overflow), so
         connections are not opened and closed under load (each is a file handle + 5 PRAGMAs).

The second round (revive only hosts that are down, nh3, deliveries through aiohttp's client)
is in the node since this session; measured before in results/latest-whatif.json.
"""

from __future__ import annotations

from collections.abc import Callable

SQLITE_POOL = 32


def pool() -> None:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from compagnon.storage import db

    original = db.create_engine

    def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
        if not db.is_sqlite(url):
            return original(url, echo=echo)
        return db.sqlite_engine(url, echo=echo, pool_size=SQLITE_POOL, max_overflow=0)

    db.create_engine = create_engine  # before compagnon.server.app imports it


PATCHES: dict[str, Callable[[], None]] = {"pool": pool}
