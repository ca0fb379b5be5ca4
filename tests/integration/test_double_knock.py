"""Double-knocking: a peer that only verifies RFC 9421 still gets our deliveries, and the node
remembers per host which format worked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from compagnon.federation.signing.signatures import (
    PublicKeyInfo,
    SignatureError,
    load_public_key,
    verify_request,
)
from compagnon.storage.models import Peer
from tests.conftest import NodeFactory
from tests.support.nodes import Node, free_port


class StrictInbox:
    """A peer inbox that accepts only RFC 9421 signatures (as a strict newer server may)."""

    def __init__(self, key: PublicKeyInfo) -> None:
        self.key = key
        self.seen: list[str] = []  # "rfc9421" or "draft-cavage" per POST

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        scheme = "rfc9421" if "Signature-Input" in request.headers else "draft-cavage"
        self.seen.append(scheme)
        if scheme != "rfc9421":
            return web.json_response({"error": "RFC 9421 signatures only"}, status=401)

        async def lookup(key_id: str, refresh: bool) -> PublicKeyInfo | None:
            return self.key if key_id == self.key.key_id else None

        try:
            await verify_request("POST", str(request.url), request.headers, body, lookup)
        except SignatureError as exc:
            return web.json_response({"error": str(exc)}, status=401)
        return web.json_response({}, status=202)


@pytest.fixture
async def strict_peer(make_node: NodeFactory) -> AsyncIterator[tuple[Node, StrictInbox, str]]:
    node = await make_node("a")
    ana = await node.create_user("ana")
    inbox = StrictInbox(
        PublicKeyInfo(ana.public_key_id, ana.uri, load_public_key(ana.public_key_pem))
    )
    app = web.Application()
    app.router.add_post("/inbox", inbox.handle)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield node, inbox, f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


async def test_falls_back_to_rfc9421_and_remembers(
    strict_peer: tuple[Node, StrictInbox, str],
) -> None:
    node, inbox, base = strict_peer
    await node.add_remote_follower("ana", f"{base}/users/zoe", f"{base}/inbox")

    await node.post("ana", "first")
    report = await node.run_once()
    assert report.delivered == 1
    assert inbox.seen == ["draft-cavage", "rfc9421"]
    async with node.sessions() as session:
        scheme = await session.scalar(select(Peer.signature_scheme))
    assert scheme == "rfc9421"

    await node.post("ana", "second")
    assert (await node.run_once()).delivered == 1
    assert inbox.seen[2:] == ["rfc9421"]  # one knock only, in the format that worked
