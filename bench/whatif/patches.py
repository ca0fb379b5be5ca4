"""The prototype changes, each a function that patches the imported node in place, applied
before `compagnon serve` builds its app.

The first round of prototypes (signature keys in memory, executemany group commit, worker
wake-up, deliveries without waves and with bulk outcome records) is in the node since
d6ba9fd; their measurements before that commit are in results/before-d6ba9fd-whatif.json.
What is left to try:

revive   InboxWriter._commit runs peers.revive (an UPDATE ... RETURNING) for every batch;
         here it runs only when a host of the batch is in the set of hosts known to be
         unreachable (read at start-up; the real change refreshes it like BlockList does).
pool     SQLite engines get a pool as large as the load's concurrency (32, no overflow), so
         connections are not opened and closed under load (each is a thread + 4 PRAGMAs).
nh3      Remote HTML is cleaned with nh3 (Ammonia) and the same allow-list instead of
         bleach (headings are not turned into <p><strong> here: a prototype, not a port).
aiohttp  The delivery POST goes through aiohttp's client directly instead of httpx over the
         aiohttp transport (same SSRF check, same 64 KiB answer cap, same timeout).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

REVIVE_CHECK_SECONDS = 5.0
SQLITE_POOL = 32


def revive() -> None:
    import time

    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from compagnon.storage.models import Peer
    from compagnon.storage.queries import peers

    original = peers.revive
    known: dict[str, Any] = {"hosts": frozenset(), "read_at": float("-inf")}

    async def revive_if_down(session: AsyncSession, hosts: set[str]) -> list[str]:
        if time.monotonic() - known["read_at"] > REVIVE_CHECK_SECONDS:
            rows = await session.execute(select(Peer.host).where(Peer.unreachable.is_(True)))
            known["hosts"], known["read_at"] = frozenset(rows.scalars()), time.monotonic()
        if not hosts & known["hosts"]:
            return []
        return await original(session, hosts)

    peers.revive = revive_if_down


def pool() -> None:
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

    from compagnon.storage import db

    original = db.create_engine

    def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
        if not db.is_sqlite(url):
            return original(url, echo=echo)
        Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, pool_size=SQLITE_POOL, max_overflow=0)
        event.listen(engine.sync_engine, "connect", db._sqlite_pragmas)
        return engine

    db.create_engine = create_engine  # before compagnon.server.app imports it


def nh3() -> None:
    import nh3 as ammonia

    from compagnon.federation import sanitize
    from compagnon.federation.inbox import handlers

    options: dict[str, Any] = {
        "tags": set(sanitize.ALLOWED_TAGS), "url_schemes": set(sanitize.LINK_PROTOCOLS),
        "attributes": {"a": {"href", "class"}, "span": {"class"}},
        "link_rel": sanitize.LINK_REL,
    }

    def sanitize_html(html: str) -> str:
        return ammonia.clean(html, **options) if isinstance(html, str) and html else ""

    sanitize.sanitize_html = sanitize_html
    setattr(handlers, "sanitize_html", sanitize_html)  # its imported name  # noqa: B010


def aiohttp_client() -> None:
    import aiohttp
    import httpx

    from compagnon.federation import fetch

    state: dict[str, aiohttp.ClientSession] = {}
    limit = 64 * 1024

    async def post_signed(client: httpx.AsyncClient, url: str, body: bytes, *,
                          signer: fetch.Signer, allow_private: bool,
                          content_type: str = "application/activity+json") -> httpx.Response:
        if "session" not in state:
            state["session"] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100), trust_env=False,
                headers={"User-Agent": client.headers.get("User-Agent", "Compagnon")})
        headers = {"Content-Type": content_type, "Accept": fetch.DEFAULT_ACCEPT}
        headers.update(signer("POST", url, headers, body))
        total = fetch._total_timeout(client)
        try:
            async with asyncio.timeout(total):
                await fetch.check_address(url, allow_private=allow_private)
                async with state["session"].post(url, data=body, headers=headers,
                                                  allow_redirects=False) as response:
                    content = await response.content.read(limit)
                    kept = {k: v for k, v in response.headers.items() if k == "Retry-After"}
                    return httpx.Response(response.status, headers=kept, content=content)
        except TimeoutError:
            raise fetch.FetchError(url, f"no complete answer within {total:g} s") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise fetch.FetchError(url, f"network error: {exc}") from None

    fetch.post_signed = post_signed


PATCHES: dict[str, Callable[[], None]] = {
    "revive": revive, "pool": pool, "nh3": nh3, "aiohttp": aiohttp_client,
}
