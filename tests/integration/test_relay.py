"""An aggregator follows a centre and relays its catalogue (FEP-ae0c) to nodes subscribed to
its relay, in both styles: LitePub (Follow of the relay actor, Announces) and Mastodon (Follow
of as:Public, signed originals forwarded). Three nodes over real HTTP, real signatures."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from compagnon.cli import main
from compagnon.federation import relay_client
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Object
from compagnon.storage.queries import relays
from tests.conftest import NodeFactory
from tests.integration.test_admin import admin_browser
from tests.integration.test_centre_catalogue import (
    cli_args,
    edit_title,
    held_titles,
    publish_titled,
    route_of,
)
from tests.support.nodes import Node, settle
from tests.support.web import csrf_of

AP = "application/activity+json"


async def subscribe(node: Node, aggregator: Node, style: str) -> None:
    assert node.app is not None
    urls = node.app[FEDERATION].urls
    if style == "litepub":
        relay = await node.resolve(f"{aggregator.base}/relay")
        async with node.sessions.begin() as session:
            await relay_client.subscribe_litepub(session, urls, relay)
    else:
        async with node.sessions.begin() as session:
            await relay_client.subscribe_mastodon(session, urls, f"{aggregator.base}/inbox")


@pytest.mark.parametrize("style", ["litepub", "mastodon"])
async def test_a_relay_subscriber_receives_what_the_aggregator_relays(
    make_node: NodeFactory, backend: str, style: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = await make_node("a", backend=backend)
    b = await make_node("b", backend=backend, node_kind="aggregator")
    c = await make_node("c", backend=backend)
    await a.create_user("ana")

    async with httpx.AsyncClient(headers={"Accept": AP}) as http:
        relay_doc = (await http.get(f"{b.base}/relay")).json()
        assert (await http.get(f"{a.base}/relay")).status_code == 404  # a centre runs none
    assert relay_doc["type"] == "Application" and relay_doc["inbox"] == f"{b.base}/inbox"

    await b.create_user("national")
    await b.follow("national", f"centre@{a.domain}")
    await subscribe(c, b, style)
    await settle(a, b, c)
    async with c.sessions() as session:
        (subscription,) = await relays.all_subscriptions(session)
    assert (subscription.state, subscription.relay_actor_uri) == ("accepted", f"{b.base}/relay")
    async with b.sessions() as session:
        ((subscriber, actor),) = await relays.subscribers(session)
    assert subscriber.style == style and actor.domain == c.domain
    await asyncio.to_thread(main, ["relay", "list", *cli_args(b)])
    assert capsys.readouterr().out == f"subscriber\t{style}\t{c.base}/actor\n"
    await asyncio.to_thread(main, ["relay", "list", *cli_args(c)])
    assert capsys.readouterr().out == f"subscribed\taccepted\t{style}\t{subscription.relay_uri}\n"

    # A resource published on the centre reaches B (the centre's Announce) and C (the relay).
    uri = await publish_titled(a, "ana", "Tiling a wet room")
    await settle(a, b, c)
    assert (await held_titles(b, a.domain))[uri] == "Tiling a wet room"
    assert (await held_titles(c, a.domain))[uri] == "Tiling a wet room"
    assert (await route_of(c, uri))[:2] == ("relay", a.domain)

    # Its edit and its deletion are relayed too.
    await edit_title(a, uri, "Tiling a wet room, second edition")
    await settle(a, b, c)
    assert (await held_titles(c, a.domain))[uri] == "Tiling a wet room, second edition"
    await a.delete(uri)
    await settle(a, b, c)
    assert uri not in await held_titles(c, a.domain)
    async with c.sessions() as session:
        tombstone = await session.scalar(select(Object).where(Object.uri == uri))
    assert tombstone is not None and tombstone.deleted_at is not None

    # Leaving the relay: nothing more is handed on to C.
    assert c.app is not None
    async with c.sessions.begin() as session:
        assert await relay_client.unsubscribe(
            session, c.app[FEDERATION].urls, subscription.relay_uri
        )
    await settle(a, b, c)
    async with b.sessions() as session:
        assert await relays.subscribers(session) == []
    later = await publish_titled(a, "ana", "Grouting")
    await settle(a, b, c)
    assert later in await held_titles(b, a.domain)
    assert later not in await held_titles(c, a.domain)


async def test_an_admin_subscribes_to_a_relay_from_the_peers_page(make_node: NodeFactory) -> None:
    b = await make_node("b", node_kind="aggregator")
    c = await make_node("c")
    async with await admin_browser(c) as boss:
        page = await boss.page("/admin/peers")
        assert "This node subscribes to no relay." in page
        token = csrf_of(page)
        status, body, _ = await boss.post(
            "/admin/peers",
            {"csrf": token, "action": "relay_subscribe", "url": b.base, "style": "gopher"},
        )
        assert status == 400 and "Relay address: style must be litepub or mastodon" in body
        status, _, _ = await boss.post(
            "/admin/peers",
            {
                "csrf": token,
                "action": "relay_subscribe",
                "url": f"{b.base}/relay",
                "style": "litepub",
            },
        )
        assert status == 303
        await settle(b, c)
        page = await boss.page("/admin/peers")
        assert f"{b.base}/relay</a> · litepub · accepted" in page
    async with await admin_browser(b) as boss:
        assert "1 node subscribes to this node&#39;s relay:" in await boss.page("/admin/peers")
