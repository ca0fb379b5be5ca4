"""Issue 11, "How it is shown": three centre nodes and one aggregator over real HTTP with
real signatures. The aggregator follows the three centres' accounts only; what the centres'
trainers publish (before and after), edit and delete appears, changes and disappears in the
aggregator's search, OAI-PMH (harvested by Sickle), sitemap, feeds and export, and its
statistics count what was published. A trainer who does not consent to indexing is held
(her centre is followed) but is nowhere in those outputs."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import feedparser
import httpx
from lxml import etree, html
from sickle import Sickle
from sqlalchemy import select

from compagnon.federation.outbox import publish
from compagnon.operations import aggregate as aggregate_ops
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Actor, Object
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.oai import publish_resource, valid
from tests.support.resources import QUIZ

JSON = {"Accept": "application/json"}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
TAG = "masonry"


@dataclass
class Catalogue:
    """What the aggregator should hand on: live resources (uri → title, country, EQF
    level), resources deleted at their centre, and the resources it must never show."""

    live: dict[str, tuple[str, str, int]] = dataclasses.field(default_factory=dict)
    deleted: set[str] = dataclasses.field(default_factory=set)
    hidden: set[str] = dataclasses.field(default_factory=set)

    def titles(self) -> set[str]:
        return {title for title, _, _ in self.live.values()}

    def count_by(self, index: int) -> dict[str, int]:
        found: dict[str, int] = {}
        for values in self.live.values():
            key = str(values[index])
            found[key] = found.get(key, 0) + 1
        return found


async def publish_on(
    catalogue: Catalogue, centre: Node, country: str, trainer: str, title: str, eqf: int
) -> str:
    obj = await publish_resource(centre, trainer, title, eqf_level=eqf, keywords=(TAG,))
    catalogue.live[obj.uri] = (title, country, eqf)
    return obj.uri


async def edit_on(catalogue: Catalogue, centre: Node, uri: str, title: str) -> None:
    assert centre.app is not None
    async with centre.sessions.begin() as session:
        obj = await session.scalar(select(Object).where(Object.uri == uri))
        assert obj is not None
        author = await session.get(Actor, obj.actor_id)
        assert author is not None
        _, country, eqf = catalogue.live[uri]
        resource = dataclasses.replace(QUIZ, title=title, eqf_level=eqf, keywords=(TAG,))
        await publish.update_resource(session, centre.app[FEDERATION].urls, author, obj, resource)
    catalogue.live[uri] = (title, country, eqf)


async def delete_on(catalogue: Catalogue, centre: Node, uri: str) -> None:
    await centre.delete(uri)
    del catalogue.live[uri]
    catalogue.deleted.add(uri)


def page_of(node: Node, uri: str) -> str:
    """The aggregator's page of a peer's resource (what its sitemap lists)."""
    return f"{node.base}/resource?uri={quote(uri, safe='')}"


async def searched(http: httpx.AsyncClient, node: Node) -> dict[str, str]:
    found: dict[str, str] = {}
    url: str | None = f"{node.base}/search"
    while url:
        answer = (await http.get(url, headers=JSON)).json()
        found.update({hit["id"]: hit["title"] for hit in answer["results"]})
        url = node.base + answer["next"] if answer["next"] else None
    return found


async def harvested(node: Node) -> tuple[dict[str, str], set[str]]:
    """Every OAI record through Sickle: live identifier → title, and deleted identifiers."""
    sickle = Sickle(f"{node.base}/oai", max_retries=0, timeout=10)
    harvest = await asyncio.to_thread(sickle.ListRecords, metadataPrefix="oai_dc")
    valid(harvest.oai_response.raw.encode())  # against the OAI-PMH schema
    records = await asyncio.to_thread(list, harvest)
    live = {r.header.identifier: r.metadata["title"][0] for r in records if not r.header.deleted}
    gone = {r.header.identifier for r in records if r.header.deleted}
    return live, gone


async def feed_titles(http: httpx.AsyncClient, url: str) -> set[str]:
    answer = await http.get(url)
    assert answer.status_code == 200, url
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {entry.title for entry in parsed.entries}


async def exported(http: httpx.AsyncClient, node: Node) -> tuple[set[str], set[str]]:
    """A whole walk of /export/amb: the records' ids and the deletions'."""
    records: set[str] = set()
    deleted: set[str] = set()
    url = f"{node.base}/export/amb?limit=3"
    while True:
        page = (await http.get(url)).json()
        records.update(record["id"] for record in page["records"])
        deleted.update(item["id"] for item in page["deleted"])
        if page["complete"]:
            return records, deleted
        url = page["next"]


def sitemap_locs(body: bytes) -> set[str]:
    return {str(loc.text) for loc in etree.fromstring(body).iter(f"{SITEMAP}loc")}


def _table(numbers: dict[str, Any], name: str) -> dict[str, int]:
    return {row["key"]: row["resources"] for row in numbers["tables"][name]["rows"]}


async def assert_handed_on(national: Node, catalogue: Catalogue) -> None:
    """Every output of the aggregator shows exactly the live catalogue."""
    never = catalogue.hidden | catalogue.deleted
    async with httpx.AsyncClient(timeout=30) as http:
        found = await searched(http, national)
        assert found == {uri: title for uri, (title, _, _) in catalogue.live.items()}

        live, gone = await harvested(national)
        assert live == {uri: title for uri, (title, _, _) in catalogue.live.items()}
        assert gone == catalogue.deleted  # persistent deletions; the hidden never were records

        locs = sitemap_locs((await http.get(f"{national.base}/sitemap.xml")).content)
        assert {page_of(national, uri) for uri in catalogue.live} <= locs
        assert not {page_of(national, uri) for uri in never} & locs

        for kind in ("atom", "rss"):
            tagged = await feed_titles(http, f"{national.base}/feeds/tags/{TAG}.{kind}")
            assert tagged == catalogue.titles()
            everything = await feed_titles(http, f"{national.base}/feeds/search.{kind}")
            assert everything == catalogue.titles()
            for level in {eqf for _, _, eqf in catalogue.live.values()}:
                titles = await feed_titles(http, f"{national.base}/feeds/eqf/{level}.{kind}")
                assert titles == {t for t, _, e in catalogue.live.values() if e == level}

        records, deleted = await exported(http, national)
        assert records == set(catalogue.live)
        assert catalogue.deleted <= deleted and not catalogue.hidden & (records | deleted)

        numbers = (await http.get(f"{national.base}/statistics.json")).json()
        assert numbers["total"] == len(catalogue.live)
        assert _table(numbers, "country") == catalogue.count_by(1)
        assert _table(numbers, "eqf") == catalogue.count_by(2)


def _all(*groups: Iterable[Node]) -> list[Node]:
    return [node for group in groups for node in group]


async def test_an_aggregator_keeps_three_centres_catalogues_current_and_hands_them_on(
    make_node: NodeFactory, backend: str
) -> None:
    countries = {"lisboa": "PT", "porto": "PT", "sevilla": "ES"}
    centres = {
        name: await make_node(name, backend=backend, country=country)
        for name, country in countries.items()
    }
    national = await make_node("national", backend=backend, node_kind="aggregator")
    nodes = _all(centres.values(), [national])
    catalogue = Catalogue()

    # Before the aggregator follows: two trainers' resources at each centre, and at Sevilla
    # a trainer who opted out of indexing.
    for n, (name, centre) in enumerate(centres.items()):
        await centre.create_user("ana")
        await centre.create_user("rui")
        await publish_on(catalogue, centre, countries[name], "ana", f"Arches of {name}", 3 + n)
        await publish_on(catalogue, centre, countries[name], "rui", f"Vaults of {name}", 4)
    sevilla = centres["sevilla"]
    await sevilla.create_user("nina")
    await aggregate_ops.set_indexable(sevilla.settings, "nina", False)
    hidden = await publish_resource(sevilla, "nina", "Nina's own walls", keywords=(TAG,))
    catalogue.hidden.add(hidden.uri)

    # The aggregator follows the three centres' accounts (catalogue sync brings the rest).
    await national.create_user("national")
    for centre in centres.values():
        await national.follow("national", f"centre@{centre.domain}")
    await settle(*nodes)
    assert await national.object(hidden.uri) is not None  # held: her centre is followed
    await assert_handed_on(national, catalogue)

    # New resources (the centres announce them), one edited, one deleted.
    late = await publish_on(catalogue, centres["porto"], "PT", "rui", "Porto cornices", 5)
    await publish_on(catalogue, sevilla, "ES", "ana", "Sevilla tiles", 5)
    later_hidden = await publish_resource(sevilla, "nina", "Nina's second wall", keywords=(TAG,))
    catalogue.hidden.add(later_hidden.uri)
    await settle(*nodes)
    await assert_handed_on(national, catalogue)

    first_lisboa = next(u for u, v in catalogue.live.items() if v[0] == "Arches of lisboa")
    await edit_on(catalogue, centres["lisboa"], first_lisboa, "Arches of lisboa, revised")
    await delete_on(catalogue, centres["porto"], late)
    await settle(*nodes)
    assert await national.object(later_hidden.uri) is not None
    await assert_handed_on(national, catalogue)

    # Search across the country: the aggregator's search counts by country and by centre,
    # and filters by either; its page shows both filters.
    async with httpx.AsyncClient() as http:
        answer = (await http.get(f"{national.base}/search", headers=JSON)).json()
        facets = {
            name: {v["value"]: v["count"] for v in answer["facets"][name]}
            for name in ("country", "centre")
        }
        assert facets["country"] == catalogue.count_by(1)
        assert facets["centre"] == {
            centre.domain: sum(1 for uri in catalogue.live if uri.startswith(centre.base))
            for centre in centres.values()
        }
        spanish = await http.get(f"{national.base}/search?country=ES", headers=JSON)
        assert {hit["id"] for hit in spanish.json()["results"]} == {
            uri for uri, (_, country, _) in catalogue.live.items() if country == "ES"
        }
        porto = centres["porto"]
        from_porto = await http.get(
            f"{national.base}/search", params={"centre": porto.domain, "q": "vaults"}, headers=JSON
        )
        assert [hit["title"] for hit in from_porto.json()["results"]] == ["Vaults of porto"]
        page = html.fromstring((await http.get(f"{national.base}/search?country=PT")).text)
        summaries = [s.text_content() for s in page.xpath("//section[@class='facets']//summary")]
        assert "Country: Portugal" in summaries
        assert "Centre" in summaries
        bad = await http.get(f"{national.base}/search?country=Portugal", headers=JSON)
        assert bad.status_code == 400 and "country" in bad.json()["error"]


async def test_a_member_node_links_the_national_catalogue(make_node: NodeFactory) -> None:
    """`national_catalogue_url` set: the search page links the national catalogue's search,
    with the words and filters asked here. Unset: no link."""
    member = await make_node("member", national_catalogue_url="https://national.example.eu/search")
    other = await make_node("other")
    async with httpx.AsyncClient() as http:
        page = html.fromstring(
            (await http.get(f"{member.base}/search", params={"q": "welding", "eqf": "3"})).text
        )
        links = page.xpath("//p[@class='national']/a")
        assert [a.text_content() for a in links] == ["Search the national catalogue"]
        assert links[0].get("href") == "https://national.example.eu/search?q=welding&eqf=3"
        plain = html.fromstring((await http.get(f"{other.base}/search")).text)
        assert plain.xpath("//p[@class='national']") == []
        # A centre's own page shows no country or centre filter (an aggregator's does).
        assert "Centre" not in [s.text_content() for s in plain.xpath("//summary")]
