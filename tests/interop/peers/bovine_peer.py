"""Run bovine-herd (``bovine/herd.py`` in its own venv: bovine pins pyld < 3) and drive it.

    ensure_installed()
    async with run_bovine_peer(port) as peer:
        peer.actor_id                      # http://127.0.0.1:PORT/endpoints/<random>
        await peer.follow("http://127.0.0.1:8080/users/bob")
        await peer.inbox()

See README.md beside this file for what bovine does differently.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from ._process import (
    PEERS_DIR,
    PeerError,
    check,
    ensure_venv,
    log_directory,
    running_process,
    wait_until_ready,
)

BOVINE_DIR = PEERS_DIR / "bovine"
VENV = BOVINE_DIR / ".venv"
REQUIREMENTS = BOVINE_DIR / "requirements.txt"
HERD_SCRIPT = BOVINE_DIR / "herd.py"

JSON = dict[str, Any]

# bovine answers this one from its own copy (with "@vocab": "_:"), and http://joinmastodon.org/ns
# with an empty context on purpose: seeding them would change bovine, not repair it.
_BOVINE_OWN = ("https://www.w3.org/ns/activitystreams", "http://joinmastodon.org/ns")


def ensure_installed() -> Path:
    """Create tests/interop/peers/bovine/.venv from the pinned requirements.txt unless
    already done; return its python. Idempotent."""
    return ensure_venv(VENV, REQUIREMENTS)


def _contexts() -> Iterator[tuple[str, Any]]:
    """(URL, @context value) for every JSON-LD context we ship (compagnon.federation.jsonld),
    or, without that module, those pyld 3 bundles."""
    try:
        from compagnon.federation.jsonld import CONTEXT_URLS, CONTEXTS_DIR
    except (ImportError, AttributeError):
        import pyld

        bundled = Path(pyld.__file__).parent / "documentloader" / "frozen" / "bundled"
        files = {
            "https://w3id.org/security/v1": "security-v1.jsonld",
            "https://w3id.org/security/v2": "security-v2.jsonld",
            "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
            "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
            "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
            "https://w3id.org/security/suites/ed25519-2020/v1": "security-ed25519-2020-v1.jsonld",
            "https://w3id.org/security/suites/jws-2020/v1": "security-jws-2020-v1.jsonld",
        }
        for url, name in files.items():
            yield url, json.loads((bundled / name).read_text())["@context"]
        return
    for url, name in CONTEXT_URLS.items():
        yield url, json.loads((CONTEXTS_DIR / name).read_text())["@context"]


def seed_context_cache(data_dir: Path) -> int:
    """Write bovine's JSON-LD context cache (``bovine_jsonld_cache.sqlite``, read from the
    working directory when bovine.jsonld is imported). Without it bovine, offline, caches
    every context it cannot fetch as ``[]`` and then fails to process Fedify's activities
    (pyld IndexError on security/v1, data-integrity/v1, multikey/v1, ...). Returns the count."""
    count = 0
    with contextlib.closing(sqlite3.connect(data_dir / "bovine_jsonld_cache.sqlite")) as db:
        db.execute("CREATE TABLE IF NOT EXISTS jsonld (url TEXT PRIMARY KEY, context TEXT)")
        for url, context in _contexts():
            if url.startswith(_BOVINE_OWN):
                continue
            db.execute("INSERT OR REPLACE INTO jsonld VALUES (?, ?)", (url, json.dumps(context)))
            count += 1
        db.commit()
    return count


@dataclass
class BovinePeer:
    """A running bovine-herd on ``base_url`` with one user, ``actor_id``."""

    base_url: str
    actor_id: str
    handle: str
    bovine_name: str
    log_path: Path
    client: httpx.AsyncClient

    @property
    def acct(self) -> str:
        return f"acct:{self.handle}@{self.base_url.removeprefix('http://')}"

    async def _get(self, route: str) -> Any:
        return check(await self.client.get(f"{self.base_url}/_control/{route}")).json()

    async def _post(self, route: str, body: JSON) -> Any:
        response = await self.client.post(f"{self.base_url}/_control/{route}", json=body)
        return check(response).json()

    async def actor(self) -> JSON:
        """The actor document as its owner sees it (bovine answers unsigned GETs with 401)."""
        result: JSON = (await self.fetch(self.actor_id))["document"]
        return result

    async def follow(self, target: str) -> JSON:
        """Follow ``target`` (an actor URL) through the actor's outbox: ``{"status",
        "location"}``; bovine then fetches the target (signed) and delivers."""
        result: JSON = await self._post("follow", {"target": target})
        return result

    async def post(self, content: str, to: Literal["public", "followers"] = "public") -> JSON:
        """Create(Note) through the outbox, addressed to as:Public + followers or followers."""
        result: JSON = await self._post("post", {"content": content, "to": to})
        return result

    async def accept_follows(self, wait: float = 0.0) -> JSON:
        """Accept every Follow in the inbox that has no Accept yet (bovine-herd never
        accepts by itself): ``{"accepted": [{"follow", "status"}]}``. With ``wait``, the peer
        first waits up to that many seconds for a Follow to arrive (bovine processes its
        inbox in a background task)."""
        body = {"wait_ms": int(wait * 1000)}
        response = await self.client.post(
            f"{self.base_url}/_control/accept", json=body, timeout=wait + 30.0
        )
        result: JSON = check(response).json()
        return result

    async def inbox(self) -> list[Any]:
        """The inbox's items, newest first, each resolved to its JSON (an id string when
        bovine cannot resolve it)."""
        result: list[Any] = await self._get("inbox")
        return result

    async def outbox(self) -> list[Any]:
        result: list[Any] = await self._get("outbox")
        return result

    async def followers(self) -> list[Any]:
        result: list[Any] = await self._get("followers")
        return result

    async def following(self) -> list[Any]:
        result: list[Any] = await self._get("following")
        return result

    async def fetch(self, url: str) -> JSON:
        """GET ``url`` the way bovine does (its proxyUrl: signed by bovine, stored):
        ``{"ok": True, "document"}`` or ``{"ok": False, "status", "error"}``."""
        result: JSON = await self._post("fetch", {"url": url})
        return result


@contextlib.asynccontextmanager
async def run_bovine_peer(
    port: int, *, handle: str = "alice", log_dir: Path | None = None
) -> AsyncIterator[BovinePeer]:
    """Start bovine-herd on 127.0.0.1:PORT with SQLite in a temporary directory (context
    cache seeded), register ``handle``, wait (bounded) until it answers, yield a BovinePeer,
    stop the process by its pid on exit."""
    python = ensure_installed()
    with (
        log_directory(log_dir) as logs,
        tempfile.TemporaryDirectory(prefix="compagnon-bovine-") as data,
    ):
        seed_context_cache(Path(data))
        log_path = logs / f"bovine-{port}.log"
        async with (
            httpx.AsyncClient(timeout=30.0) as client,
            running_process(
                [python, HERD_SCRIPT, str(port), data, handle], cwd=BOVINE_DIR, log_path=log_path
            ) as process,
        ):
            base_url = f"http://127.0.0.1:{port}"
            health = (
                await wait_until_ready(
                    process, client, f"{base_url}/_control/health", name="bovine-herd",
                    log_path=log_path,
                )
            ).json()
            if not health.get("actor_id", "").startswith(base_url):
                raise PeerError(f"another server answers on {base_url}: {health}")
            yield BovinePeer(
                base_url, health["actor_id"], handle, health["bovine_name"], log_path, client
            )
