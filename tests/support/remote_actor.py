"""A remote actor in the test process: its document (with an RSA key), an outbox of
`pages` x `per_page` public Notes, and signed POSTs to another node's inbox, as a peer
server would send them. Serves on its own loopback port; counts the outbox pages served."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from compagnon.federation.signing.keys import generate_rsa_keypair
from compagnon.federation.signing.signatures import load_private_key, sign_cavage
from tests.support.nodes import free_port

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
ACTIVITY_JSON = "application/activity+json"


class RemoteActor:
    def __init__(self, *, pages: int = 0, per_page: int = 20) -> None:
        self.port = free_port()
        self.pages = pages
        self.per_page = per_page
        private_pem, self.public_pem = generate_rsa_keypair()
        self._key = load_private_key(private_pem)
        self.pages_served: list[int] = []
        # Awaited before a page is answered (a test's fault injected mid-sync).
        self.on_page: Callable[[int], Awaitable[None]] | None = None
        self._runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def uri(self) -> str:
        return f"{self.base}/users/zoe"

    def note_uri(self, number: int) -> str:
        return f"{self.base}/notes/{number}"

    def create(self, number: int) -> dict[str, Any]:
        """Create(Note) number `number`, public, embedded object."""
        note = {
            "id": self.note_uri(number),
            "type": "Note",
            "attributedTo": self.uri,
            "content": f"<p>Welding safety sheet {number}</p>",
            "published": "2026-11-01T10:00:00Z",
            "to": [PUBLIC],
            "cc": [f"{self.uri}/followers"],
        }
        return {
            "@context": AS,
            "id": f"{self.base}/activities/{number}",
            "type": "Create",
            "actor": self.uri,
            "published": note["published"],
            "to": note["to"],
            "cc": note["cc"],
            "object": note,
        }

    def document(self) -> dict[str, Any]:
        return {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": self.uri,
            "type": "Person",
            "preferredUsername": "zoe",
            "inbox": f"{self.uri}/inbox",
            "outbox": f"{self.uri}/outbox",
            "followers": f"{self.uri}/followers",
            "following": f"{self.uri}/following",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {
                "id": f"{self.uri}#main-key",
                "owner": self.uri,
                "publicKeyPem": self.public_pem,
            },
        }

    async def _actor(self, _request: web.Request) -> web.Response:
        return _json(self.document())

    async def _outbox(self, request: web.Request) -> web.Response:
        outbox = f"{self.uri}/outbox"
        if "page" not in request.query:
            return _json(
                {
                    "@context": AS,
                    "id": outbox,
                    "type": "OrderedCollection",
                    "totalItems": self.pages * self.per_page,
                    "first": f"{outbox}?page=1",
                }
            )
        page = int(request.query["page"])
        self.pages_served.append(page)
        if self.on_page is not None:
            await self.on_page(page)
        first = (page - 1) * self.per_page
        items = [self.create(n) for n in range(first, first + self.per_page)]
        document: dict[str, Any] = {
            "@context": AS,
            "id": f"{outbox}?page={page}",
            "type": "OrderedCollectionPage",
            "partOf": outbox,
            "orderedItems": items if page <= self.pages else [],
        }
        if page < self.pages:
            document["next"] = f"{outbox}?page={page + 1}"
        return _json(document)

    async def start(self) -> RemoteActor:
        app = web.Application()
        app.router.add_get("/users/zoe", self._actor)
        app.router.add_get("/users/zoe/outbox", self._outbox)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def post(self, client: aiohttp.ClientSession, inbox: str, activity: Any) -> int:
        """POST `activity` to `inbox`, signed (draft-cavage) by this actor; the status."""
        body = orjson.dumps(activity)
        headers = {"Content-Type": ACTIVITY_JSON}
        headers.update(sign_cavage("POST", inbox, headers, body, f"{self.uri}#main-key", self._key))
        async with client.post(inbox, data=body, headers=headers) as response:
            await response.read()
            return response.status


def _json(document: dict[str, Any]) -> web.Response:
    return web.Response(body=orjson.dumps(document), content_type=ACTIVITY_JSON)
