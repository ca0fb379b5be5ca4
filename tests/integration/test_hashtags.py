"""Hashtags in trainers' posts, on two nodes over loopback: a post from the web form links
its tags and lands on its node's hashtag page; the follower's node receives a Note whose
`tag` holds the Hashtag and lists it on its own page; an edit that drops a tag takes the post
off that page, here and there. From an app (Mastodon.py): the status's `tags`, the hashtag
timeline, a hashtag stream, an edit. A resource edit keeps the version it replaced."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

import aiohttp
import httpx
from mastodon import Mastodon
from sqlalchemy import select

from compagnon import operations
from compagnon.operations import social as social_operations
from compagnon.storage.models import Object
from tests.conftest import NodeFactory
from tests.integration.test_mastodon_api_stream import ws_next
from tests.integration.test_social import browser, csrf, send, view
from tests.support.mastodon_app import call, sign_in_app
from tests.support.nodes import Node, settle
from tests.support.resources import WELDING, publish_resource
from tests.support.signin import sign_in

AS_JSON = {"Accept": "application/activity+json"}


def link(node: Node, path: str, shown: str) -> str:
    return (
        f'<a href="{node.base}/tags/{path}" class="mention hashtag" rel="tag">'
        f"#<span>{shown}</span></a>"
    )


async def tag_page(node: Node, tag: str) -> str:
    async with browser(node) as http:
        answer = await http.get("/tags/" + quote(tag))
        assert answer.status_code == 200
        return answer.text


async def test_a_web_post_carries_its_hashtags_to_both_nodes_and_an_edit_takes_one_off(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend), await make_node("b", backend)
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    text = "Sparks today: #Welding and #Électricité (see https://x.example/notes#safety)"
    async with browser(a) as http:
        await sign_in(http, "maria")
        await send(http, "/compose", content=text, visibility="public")
        home = (await http.get("/home")).text
    assert link(a, "welding", "Welding") in home
    assert link(a, "%C3%A9lectricit%C3%A9", "Électricité") in home
    assert 'href="https://x.example/notes#safety"' in home  # the address stays one link
    await settle(a, b)

    # Its node's hashtag page, any case; not the address's fragment.
    for tag in ("welding", "WELDING", "Welding", "électricité", "Électricité"):
        assert "Sparks today" in await tag_page(a, tag), tag
    assert "Sparks today" not in await tag_page(a, "safety")
    async with a.sessions() as session:
        uri = await session.scalar(select(Object.uri).where(Object.type == "Note"))
    async with browser(a) as http:
        note = (await http.get(uri, headers=AS_JSON)).json()
    hashtag = {"type": "Hashtag", "href": f"{a.base}/tags/welding", "name": "#Welding"}
    assert hashtag in note["tag"]
    assert {t["name"] for t in note["tag"]} == {"#Welding", "#Électricité"}

    # The follower's node got a Note with the Hashtag, and lists it on its own page.
    held = await b.object(uri)
    assert held is not None and held.raw is not None
    assert hashtag in held.raw["tag"]
    assert "Sparks today" in await tag_page(b, "welding")
    assert "Sparks today" in await tag_page(b, "électricité")

    # An edit without #Welding: off that page on both nodes, still on the other one.
    async with browser(a) as http:
        await sign_in(http, "maria")
        answer = await http.post(
            "/post/edit",
            data={
                "uri": uri,
                "content": "Sparks today: #Électricité only",
                "csrf": await csrf(http),
            },
        )
        assert answer.status_code == 303
        page = (await http.get(view(uri))).text
    assert link(a, "welding", "Welding") not in page
    await settle(a, b)
    for node in (a, b):
        assert "Sparks today" not in await tag_page(node, "welding"), node.name
        assert "Sparks today" in await tag_page(node, "électricité"), node.name
    edited = await b.object(uri)
    assert edited is not None and edited.raw is not None
    assert [t["name"] for t in edited.raw["tag"] if t["type"] == "Hashtag"] == ["#Électricité"]


async def test_an_app_post_is_on_the_hashtag_timeline_and_stream(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    api, _id, _secret = await sign_in_app(a, "maria")
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(
            f"{a.base}/api/v1/streaming?access_token={api.access_token}&stream=hashtag&tag=tig"
        ) as ws,
    ):
        await call(api.status_post, "Nothing tagged here")
        post = await call(api.status_post, "Bead on plate practice #TIG, then #mig_mag")
        assert [(t.name, t.url) for t in post.tags] == [
            ("TIG", f"{a.base}/tags/tig"),
            ("mig_mag", f"{a.base}/tags/mig_mag"),
        ]
        assert link(a, "tig", "TIG") in post.content
        where, kind, payload = await ws_next(ws)  # the untagged post is not heard
        assert (where, kind, payload["uri"]) == (["hashtag", "tig"], "update", post.uri)

    anonymous = Mastodon(api_base_url=a.base)
    assert [s.uri for s in await call(anonymous.timeline_hashtag, "tig")] == [post.uri]
    assert [s.uri for s in await call(anonymous.timeline_hashtag, "TIG")] == [post.uri]
    await settle(a, b)
    elsewhere = Mastodon(api_base_url=b.base)
    [seen] = await call(elsewhere.timeline_hashtag, "mig_mag")
    assert seen.uri == post.uri and "mig_mag" in [t.name for t in seen.tags]

    # An edit from the app re-reads the tags.
    await call(api.status_update, post.id, "Bead on plate practice, #MIG_MAG only")
    assert await call(anonymous.timeline_hashtag, "tig") == []
    [still] = await call(anonymous.timeline_hashtag, "mig_mag")
    assert [t.name for t in still.tags] == ["MIG_MAG"]
    await settle(a, b)
    assert await call(elsewhere.timeline_hashtag, "tig") == []


async def test_a_cli_post_and_a_reply_carry_hashtags(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    uri = await operations.post(a.settings, "maria", "Brazing rods in stock #brazing", "public")
    answer = await social_operations.reply(a.settings, "maria", uri, "And fluxes #Brazing #flux")
    assert answer
    async with browser(a) as http:
        page = await tag_page(a, "brazing")
        assert "Brazing rods in stock" in page and "And fluxes" in page
        assert "And fluxes" in await tag_page(a, "flux")
        assert (await http.get("/tags/a%20b")).status_code == 404


async def test_a_resource_edit_keeps_the_version_it_replaced(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    obj = await publish_resource(a, "maria", WELDING)

    def retitled(resource: Any) -> Any:
        return replace(resource, title="Oxy-fuel welding: the checklist, revised")

    await operations.edit_resource(a.settings, "maria", obj.uri, retitled)
    await operations.edit_resource(a.settings, "maria", obj.uri, lambda r: r)  # no change
    async with httpx.AsyncClient(base_url=a.base, timeout=30) as http:
        page = (await http.get("/post/versions", params={"uri": obj.uri})).text
        assert "the checklist, revised" in page
        assert "Oxy-fuel welding: safety checklist" in page
        history = (await http.get(f"/api/v1/statuses/{obj.id}/history")).json()
        resource_page = (
            await http.get(obj.uri, headers={"Accept": "text/html"}, follow_redirects=True)
        ).text
    assert len(history) == 2  # the first version, then the current one
    assert "safety checklist" in history[0]["content"]
    assert "the checklist, revised" in history[1]["content"]
    assert "/post/versions?uri=" in resource_page


async def test_an_app_finds_the_hashtags_the_node_knows_by_their_start(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend), await make_node("b", backend)
    await a.create_user("maria")
    await b.create_user("joao")
    await a.follow("maria", f"joao@{b.domain}")
    await settle(a, b)
    api, _id, _secret = await sign_in_app(a, "maria")
    elsewhere, _id, _secret = await sign_in_app(b, "joao")
    await call(api.status_post, "Root pass first #Welding")
    await call(api.status_post, "Then the cap #welding #WeldingSafety #Électricité")
    await call(api.status_post, "Only for my followers #WeldingSecret", visibility="private")
    gone = await call(api.status_post, "A slip #WeldingTypo")
    await call(api.status_delete, gone.id)
    await call(elsewhere.status_post, "Bend test results #WeldInspection")
    await settle(a, b)

    found = await call(api.search_v2, "#WELD", result_type="hashtags")
    assert found.accounts == [] and found.statuses == []
    # Most used first; the peer's tag too; not a followers-only post's, nor a deleted one's.
    assert [t.name for t in found.hashtags] == ["Welding", "WeldingSafety", "WeldInspection"]
    welding = found.hashtags[0]
    assert welding.url == f"{a.base}/tags/welding"
    assert len(welding.history) == 7
    assert (welding.history[0].uses, welding.history[0].accounts) == ("2", "1")
    assert all(day.uses == "0" for day in welding.history[1:])

    # The exact name first, within the limit; without a type, beside accounts and statuses;
    # non-ASCII names by any case; a handle is no hashtag.
    exact = await call(api.search_v2, "weldingsafety", result_type="hashtags", limit=1)
    assert [t.name for t in exact.hashtags] == ["WeldingSafety"]
    limited = await call(api.search_v2, "weld", result_type="hashtags", limit=2)
    assert len(limited.hashtags) == 2
    everything = await call(Mastodon(api_base_url=a.base).search_v2, "ÉLEC", resolve=False)
    assert [t.name for t in everything.hashtags] == ["Électricité"]
    assert [t.url for t in everything.hashtags] == [f"{a.base}/tags/%C3%A9lectricit%C3%A9"]
    handle = await call(api.search_v2, f"@joao@{b.domain}")
    assert handle.hashtags == [] and [x.acct for x in handle.accounts] == [f"joao@{b.domain}"]
    assert (await call(api.search_v2, "#", result_type="hashtags")).hashtags == []
