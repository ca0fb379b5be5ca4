"""Atom and RSS feeds per actor, hashtag, ISCED-F field, EQF level and saved search: they
parse (lxml, and feedparser from PyPI finds no error), carry the required elements, list the
newest items, and the matching pages link them with <link rel="alternate">."""

from __future__ import annotations

from urllib.parse import quote

import feedparser
import httpx
from lxml import etree, html

from tests.conftest import NodeFactory
from tests.support.nodes import settle
from tests.support.oai import publish_resource
from tests.support.resources import WELDING

ATOM = "{http://www.w3.org/2005/Atom}"


async def _feed(http: httpx.AsyncClient, url: str) -> feedparser.FeedParserDict:
    answer = await http.get(url)
    assert answer.status_code == 200, url
    root = etree.fromstring(answer.content)
    if url.split("?")[0].endswith(".atom"):
        assert answer.headers["content-type"].startswith("application/atom+xml")
        assert root.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):
            assert root.find(f"{ATOM}{required}") is not None
        for entry in root.iter(f"{ATOM}entry"):
            for required in ("id", "title", "updated", "author"):
                assert entry.find(f"{ATOM}{required}") is not None
    else:
        assert answer.headers["content-type"].startswith("application/rss+xml")
        assert root.tag == "rss" and root.get("version") == "2.0"
        channel = root.find("channel")
        assert channel is not None
        for required in ("title", "link", "description"):
            assert channel.find(required) is not None
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _titles(parsed: feedparser.FeedParserDict) -> list[str]:
    return [entry.title for entry in parsed.entries]


async def _alternates(http: httpx.AsyncClient, url: str) -> list[str]:
    page = html.fromstring((await http.get(url, headers={"Accept": "text/html"})).text)
    return [str(x) for x in page.xpath('//head/link[@rel="alternate"]/@href')]


async def test_feeds_of_an_actor_a_tag_a_field_a_level_and_a_search(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("ana")
    quiz = await publish_resource(a, "ana", "Licensing quiz")
    welding = await publish_resource(
        a,
        "ana",
        "Oxy-fuel welding checklist",
        eqf_level=3,
        isced_field="0715",
        keywords=("welding",),
        description=WELDING.description,
    )
    async with httpx.AsyncClient() as http:
        for kind in ("atom", "rss"):
            ana = await _feed(http, f"{a.base}/feeds/users/ana.{kind}")
            assert _titles(ana) == [welding.name, quiz.name]  # newest first
            assert ana.entries[0].link == welding.uri
            assert "flashback" in ana.entries[0].summary
            tag = await _feed(http, f"{a.base}/feeds/tags/welding.{kind}")
            assert _titles(tag) == [welding.name]
            field = await _feed(http, f"{a.base}/feeds/isced/0715.{kind}")
            assert _titles(field) == [welding.name]
            level = await _feed(http, f"{a.base}/feeds/eqf/4.{kind}")
            assert _titles(level) == [quiz.name]
            saved = await _feed(http, f"{a.base}/feeds/search.{kind}?q=checklist&eqf=3")
            assert _titles(saved) == [welding.name]
            assert "checklist" in saved.feed.title
            nothing = await _feed(http, f"{a.base}/feeds/search.{kind}?q=nothingmatches")
            assert nothing.entries == []

        assert (await http.get(f"{a.base}/feeds/search.atom?eqf=9")).status_code == 400
        assert (await http.get(f"{a.base}/feeds/users/nobody.atom")).status_code == 404
        assert (await http.get(f"{a.base}/feeds/isced/07.rss")).status_code == 400

        # The pages link their feeds.
        search = await _alternates(http, f"{a.base}/search?q=checklist&eqf=3")
        assert "/feeds/search.atom?q=checklist&eqf=3" in search
        assert "/feeds/search.rss?q=checklist&eqf=3" in search
        page = html.fromstring((await http.get(f"{a.base}/search?field=0715")).text)
        assert page.xpath('//p[@class="feeds"]/a/@href') == [
            "/feeds/search.atom?field=0715",
            "/feeds/search.rss?field=0715",
        ]
        assert "/feeds/tags/welding.atom" in await _alternates(http, f"{a.base}/tags/welding")
        assert "/feeds/users/ana.rss" in await _alternates(http, f"{a.base}/@ana")


async def test_a_remote_actors_feed_and_received_resources(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    resource = await publish_resource(a, "ana", "Shared far away", keywords=("welding",))
    await settle(a, b)
    async with httpx.AsyncClient() as http:
        handle = f"ana@{a.domain}"
        parsed = await _feed(http, f"{b.base}/feeds/users/{quote(handle, safe='@')}.atom")
        assert _titles(parsed) == ["Shared far away"]
        assert parsed.entries[0].link == f"{b.base}/resource?uri={quote(resource.uri, safe='')}"
        assert _titles(await _feed(http, f"{b.base}/feeds/tags/welding.rss")) == ["Shared far away"]
        links = await _alternates(http, f"{b.base}/@{handle}")
        assert f"/feeds/users/{handle}.atom" in links
