"""A bare ActivityPub server run by an attacker, on loopback: its actor document, its outbox
and the Creates it signs and POSTs to our inbox carry `javascript:`, `data:` and `vbscript:`
URLs in the spellings browsers accept (case, leading whitespace, control characters,
scheme-relative ids that pass a host-only check, Link lists, attachments).

Every payload, if it ever ran on our origin, would call `alert()` (a dialog) and set
`window.__pwned`: the browser test watches both."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
from aiohttp import web
from aiohttp.test_utils import TestServer

from compagnon.federation.signing.signatures import (
    generate_rsa_keypair,
    load_private_key,
    sign_cavage,
)
from tests.support.nodes import free_port

AP = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
RUN = "window.__pwned=1;alert(document.domain)"

# URLs a browser would run as script (or open as a page of their own) when clicked.
UNSAFE_URLS = [
    f"javascript:{RUN}",
    f"JaVaScRiPt:{RUN}",
    f" javascript:{RUN}",
    f"\tjavascript:{RUN}",
    f"\njavascript:{RUN}",
    f"java\tscript:{RUN}",
    f"&#106;avascript:{RUN}",
    f"javascript&colon;{RUN}",
    "data:text/html,<script>window.__pwned=1;alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xO2FsZXJ0KDEpPC9zY3JpcHQ+",
    "vbscript:msgbox(1)",
    f"//127.0.0.1:9/{RUN}",
]


def unsafe_id(host: str, n: int) -> str:
    """An id whose host part is the sender's: passed the old host-only check."""
    scheme = "javascript" if n % 2 else "JaVaScRiPt"
    return f"{scheme}://{host}/%0a{RUN}//{n}"


class HostilePeer:
    def __init__(self, name: str = "mallory") -> None:
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.host}"
        self.actor = f"{self.base}/users/{name}"
        self.name = name
        self.private_pem, self.public_pem = generate_rsa_keypair()
        self.key_id = f"{self.actor}#main-key"
        self.outbox_items: list[dict[str, Any]] = []
        self.server: TestServer | None = None

    # --- documents -----------------------------------------------------------------------

    def actor_document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor,
            "type": "Person",
            "preferredUsername": self.name,
            "name": "Mallory",
            "summary": f'<p><a href="javascript:{RUN}">about me</a></p>',
            "url": [f"javascript:{RUN}", {"type": "Link", "href": f" javascript:{RUN}"}],
            "icon": {"type": "Image", "url": f"javascript:{RUN}"},
            "image": {"type": "Image", "url": "data:text/html,<script>alert(1)</script>"},
            "inbox": f"{self.actor}/inbox",
            "outbox": f"{self.actor}/outbox",
            "followers": f"{self.actor}/followers",
            "following": "vbscript:msgbox(1)",
            "endpoints": {"sharedInbox": f"javascript:{RUN}"},
            "publicKey": {
                "id": self.key_id,
                "owner": self.actor,
                "publicKeyPem": self.public_pem,
            },
        }

    def corpus(self, tag: str, to: list[str]) -> list[dict[str, Any]]:
        """Objects attributed to this peer's actor, each carrying unsafe URLs; ids under
        `/{tag}/` (two of them with unsafe ids, which must be refused)."""
        audience = [PUBLIC, *to]

        def obj(n: int, **fields: Any) -> dict[str, Any]:
            return {
                "id": f"{self.base}/{tag}/{n}",
                "type": "Note",
                "attributedTo": self.actor,
                "content": f"<p>{tag} post {n}</p>",
                "to": audience,
                "published": f"2026-01-01T00:00:{n:02d}Z",
                **fields,
            }

        found = [obj(n, url=url) for n, url in enumerate(UNSAFE_URLS)]
        n = len(found)
        safe = f"{self.base}/{tag}/landing"
        found += [
            obj(
                n,
                url=[
                    {"type": "Link", "mediaType": "text/html", "href": f"javascript:{RUN}"},
                    {"type": "Link", "href": safe},
                ],
            ),
            obj(n + 1, type="Article", name=f"{tag} article", url=f"javascript:{RUN}"),
            obj(n + 2, type="Page", name=f"{tag} page", url=UNSAFE_URLS[8]),
            obj(
                n + 3,
                attachment=[
                    {"type": "Document", "mediaType": "image/png", "url": f"javascript:{RUN}"},
                    {"type": "Link", "href": UNSAFE_URLS[8], "name": "a file"},
                    "vbscript:msgbox(1)",
                ],
            ),
            obj(
                n + 4,
                content=f'<p><a href="javascript:{RUN}">one</a> '
                f'<a href="&#106;avascript:{RUN}">two</a> '
                f'<a href=" javascript:{RUN}">three</a></p>',
                summary="Violence",
                sensitive=True,
            ),
            obj(
                n + 5,
                type=["Note", "LearningResource"],
                name=f"{tag} hostile resource",
                url=[f"javascript:{RUN}", {"type": "Link", "href": f"\njavascript:{RUN}"}],
                license=f"javascript:{RUN}",
                inLanguage=["en"],
            ),
            obj(
                n + 6,
                type=["Note", "LearningResource"],
                name=f"{tag} sensitive resource",
                sensitive=True,
                url=safe,
            ),
            obj(n + 7, id=unsafe_id(self.host, 1)),
            obj(
                n + 8,
                id=unsafe_id(self.host, 2),
                type=["Note", "LearningResource"],
                name=f"{tag} resource with a script id",
            ),
        ]
        return found

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.base}/activities/{uuid.uuid4()}",
            "type": "Create",
            "actor": self.actor,
            "to": obj["to"],
            "object": obj,
        }

    async def post_to(self, inbox: str, activity: dict[str, Any]) -> int:
        """POST `activity` to `inbox`, signed (draft-cavage) by this peer's actor."""
        body = orjson.dumps(activity)
        headers = {"Content-Type": AP}
        key = load_private_key(self.private_pem)
        headers.update(sign_cavage("POST", inbox, headers, body, self.key_id, key))
        async with httpx.AsyncClient() as http:
            answer = await http.post(inbox, content=body, headers=headers)
        return answer.status_code

    # --- the server ----------------------------------------------------------------------

    def _app(self) -> web.Application:
        def doc(body: dict[str, Any]) -> web.Response:
            return web.Response(body=orjson.dumps(body), content_type=AP)

        async def actor(_: web.Request) -> web.Response:
            return doc(self.actor_document())

        async def outbox(_: web.Request) -> web.Response:
            outbox_id = f"{self.actor}/outbox"
            return doc(
                {
                    "id": outbox_id,
                    "type": "OrderedCollection",
                    "totalItems": len(self.outbox_items),
                    "first": {
                        "id": f"{outbox_id}?page=1",
                        "type": "OrderedCollectionPage",
                        "orderedItems": self.outbox_items,
                    },
                }
            )

        async def anything(request: web.Request) -> web.Response:
            # Where a safe link of the corpus leads: a plain page on the attacker's host.
            return web.Response(text=f"hostile peer: {request.path}", content_type="text/plain")

        app = web.Application()
        app.add_routes(
            [
                web.get(f"/users/{self.name}", actor),
                web.get(f"/users/{self.name}/outbox", outbox),
                web.get("/{tail:.*}", anything),
            ]
        )
        return app

    async def __aenter__(self) -> HostilePeer:
        self.server = TestServer(self._app(), host="127.0.0.1", port=self.port)
        await self.server.start_server()
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        await self.server.close()
