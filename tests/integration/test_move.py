"""Account migration across nodes, over real HTTP with real signatures: ana moves from node A to
a new home; the reader on node C who followed her at A ends up following her new account.

A and C are Compagnon nodes. Compagnon cannot move its own accounts yet (nothing publishes
`alsoKnownAs` or sends a Move from the UI or the CLI), so the two missing pieces are the test's
own: node A's real worker delivers a Move document queued for ana's followers, and the new
home is a small ActivityPub server (its own RSA key, `alsoKnownAs` naming the old account)
that checks the signature of everything reaching its inbox, as Mastodon's would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from compagnon.federation.convert import wrap
from compagnon.federation.outbox import publish
from compagnon.federation.signing.signatures import (
    PublicKeyInfo,
    SignatureError,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    sign_cavage,
    verify_request,
)
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Actor, Follow
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.integration.test_resilience import followed_by
from tests.support.nodes import Node, arrival, free_port, settle

AP = "application/activity+json"
AS = "https://www.w3.org/ns/activitystreams"


class NewHome:
    """The server ana moved to: her new actor, an inbox that verifies signatures (keys fetched
    from the signer's server), and a signed Accept for a Follow, as a Mastodon would send."""

    def __init__(self, also_known_as: list[str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.uri = f"{self.base}/users/ana"
        self.key_id = f"{self.uri}#main-key"
        self.private_pem, self.public_pem = generate_rsa_keypair()
        self.also_known_as = also_known_as
        self.received: list[dict[str, Any]] = []  # verified activities, in arrival order
        self.refused: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/users/ana", self.actor)
        app.router.add_get("/users/ana/outbox", self.outbox)
        app.router.add_post("/users/ana/inbox", self.inbox)
        return app

    async def actor(self, _request: web.Request) -> web.Response:
        doc = {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": self.uri,
            "type": "Person",
            "preferredUsername": "ana",
            "name": "Ana (new home)",
            "inbox": f"{self.uri}/inbox",
            "outbox": f"{self.uri}/outbox",
            "alsoKnownAs": self.also_known_as,
            "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.public_pem},
        }
        return web.Response(body=orjson.dumps(doc), content_type=AP)

    async def outbox(self, request: web.Request) -> web.Response:
        doc = {"@context": AS, "id": str(request.url), "type": "OrderedCollection"}
        return web.Response(body=orjson.dumps({**doc, "totalItems": 0, "orderedItems": []}),
                            content_type=AP)  # fmt: skip

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verified = await verify_request(
                "POST", str(request.url), request.headers, body, fetch_key
            )
        except SignatureError as exc:
            self.refused.append(str(exc))
            return web.json_response({"error": str(exc)}, status=401)
        activity = orjson.loads(body)
        assert verified.owner == activity["actor"]
        self.received.append(activity)
        return web.json_response({}, status=202)

    async def accept(self, follow: dict[str, Any], inbox: str) -> httpx.Response:
        doc = {
            "@context": AS,
            "id": f"{self.uri}#accepts/1",
            "type": "Accept",
            "actor": self.uri,
            "object": follow,
        }
        body = orjson.dumps(doc)
        headers = {"Content-Type": AP}
        private = load_private_key(self.private_pem)
        headers |= sign_cavage("POST", inbox, headers, body, self.key_id, private)
        async with httpx.AsyncClient() as http:
            return await http.post(inbox, content=body, headers=headers)


async def fetch_key(key_id: str, _refresh: bool) -> PublicKeyInfo | None:
    """The signer's key, fetched from its actor document over HTTP."""
    async with httpx.AsyncClient() as http:
        doc = (await http.get(key_id.split("#")[0], headers={"Accept": AP})).json()
    key = doc["publicKey"]
    if key["id"] != key_id:
        return None
    return PublicKeyInfo(key_id, key["owner"], load_public_key(key["publicKeyPem"]))


@pytest.fixture
async def new_home() -> AsyncIterator[NewHome]:
    home = NewHome(also_known_as=[])
    server = TestServer(home.app(), host="127.0.0.1", port=home.port)
    await server.start_server()
    try:
        yield home
    finally:
        await server.close()


async def send_move(a: Node, target: str) -> None:
    """What a Mastodon sends when an account moves: a Move of itself, to its followers."""
    assert a.app is not None
    async with a.sessions.begin() as session:
        ana = await actor_queries.local_by_username(session, "ana")
        assert ana is not None
        doc = wrap("Move", a.app[FEDERATION].urls.new_activity(), ana.uri, ana.uri)
        doc |= {"target": target, "to": [ana.followers_url]}
        await publish.send(session, ana, doc, addressed=[ana.followers_url])


async def followees(node: Node, username: str) -> dict[str, str]:
    """Whom `username` follows on `node`: actor URI → state of the follow."""
    async with node.sessions() as session:
        me = await actor_queries.local_by_username(session, username)
        assert me is not None
        rows = await session.execute(
            select(Actor.uri, Follow.state)
            .join(Follow, Follow.followee_id == Actor.id)
            .where(Follow.follower_id == me.id)
        )
    return {uri: state for uri, state in rows}


async def test_a_follower_on_another_node_follows_the_account_where_it_moved(
    make_node: NodeFactory, new_home: NewHome
) -> None:
    a, c = await make_node("a"), await make_node("c")
    await followed_by(a, c)  # reader@c follows ana@a: Follow and Accept over HTTP
    old = f"{a.base}/users/ana"
    assert await followees(c, "reader") == {old: "accepted"}
    new_home.also_known_as = [old]  # set up on the new home first, as Mastodon requires

    await send_move(a, new_home.uri)
    await settle(a, c)  # A delivers the Move; C checks it, follows the new home, undoes the old

    assert [(x["type"], x["actor"], x["object"]) for x in new_home.received] == [
        ("Follow", f"{c.base}/users/reader", new_home.uri)
    ]
    assert new_home.refused == []
    assert await followees(c, "reader") == {new_home.uri: "pending"}
    async with a.sessions() as session:  # A got the Undo: ana has no follower left at C
        assert (await session.scalars(select(Follow))).all() == []

    answer = await new_home.accept(new_home.received[0], f"{c.base}/inbox")
    assert answer.status_code == 202
    await arrival(c, lambda: _accepted(c, new_home.uri))
    async with c.sessions() as session:
        moved = await actor_queries.by_uri(session, old)
    assert moved is not None and moved.raw is not None and moved.raw["movedTo"] == new_home.uri


async def _accepted(c: Node, uri: str) -> bool:
    return await followees(c, "reader") == {uri: "accepted"}


async def test_a_move_to_an_account_that_does_not_name_the_old_one_changes_nothing(
    make_node: NodeFactory, new_home: NewHome
) -> None:
    a, c = await make_node("a"), await make_node("c")
    await followed_by(a, c)
    old = f"{a.base}/users/ana"
    new_home.also_known_as = ["https://elsewhere.example/users/ana"]

    await send_move(a, new_home.uri)
    await settle(a, c)

    assert new_home.received == []
    assert await followees(c, "reader") == {old: "accepted"}
    async with a.sessions() as session:
        assert len((await session.scalars(select(Follow))).all()) == 1
