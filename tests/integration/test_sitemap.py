"""sitemap.xml and robots.txt: every public record's page, which embeds its AMB record, with
its lastmod; an index of several files past the size limit; robots.txt closes private
pages and points at the sitemap."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import quote

import httpx
from lxml import etree, html

from compagnon.cli import main
from tests.conftest import NodeFactory
from tests.support.nodes import settle
from tests.support.oai import publish_resource

SM = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SCHEMAS = Path(__file__).parent.parent / "fixtures" / "sitemaps"


def valid(content: bytes) -> etree._Element:
    """The sitemap or index parsed, after checking it against the sitemaps.org schema."""
    root = etree.fromstring(content)
    name = "siteindex.xsd" if root.tag.endswith("sitemapindex") else "sitemap.xsd"
    etree.XMLSchema(etree.parse(str(SCHEMAS / name))).assertValid(root)
    return root


async def test_sitemap_lists_record_pages_that_embed_their_amb(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    shown = await publish_resource(a, "ana", "Shown")
    gone = await publish_resource(a, "ana", "Gone")
    await a.delete(gone.uri)
    await settle(a, b)
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{a.base}/sitemap.xml")
        assert answer.status_code == 200
        root = valid(answer.content)
        assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
        assert root.xpath("//sm:loc/text()", namespaces=SM) == [f"{a.base}/", shown.uri]
        assert root.xpath("//sm:lastmod/text()", namespaces=SM)[0].endswith("Z")

        # The peer lists its own page of the received resource; that page embeds the AMB.
        there = valid((await http.get(f"{b.base}/sitemap.xml")).content)
        page = f"{b.base}/resource?uri={quote(shown.uri, safe='')}"
        assert there.xpath("//sm:loc/text()", namespaces=SM) == [f"{b.base}/", page]
        for url in (page, shown.uri):
            document = html.fromstring((await http.get(url, headers={"Accept": "text/html"})).text)
            block = document.xpath('//script[@type="application/ld+json"]/text()')
            assert json.loads(block[0])["name"] == "Shown"


async def test_past_the_limit_sitemap_xml_is_an_index(make_node: NodeFactory, backend: str) -> None:
    a = await make_node("a", backend=backend, sitemap_max_urls=2)
    await a.create_user("ana")
    uris = [(await publish_resource(a, "ana", f"R{n}")).uri for n in range(5)]
    async with httpx.AsyncClient() as http:
        root = valid((await http.get(f"{a.base}/sitemap.xml")).content)
        assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
        parts = root.xpath("//sm:sitemap/sm:loc/text()", namespaces=SM)
        assert len(parts) >= 3 and root.xpath("//sm:sitemap/sm:lastmod", namespaces=SM)
        listed: list[str] = []
        for part in parts:
            answer = await http.get(part)
            assert answer.status_code == 200
            urls = valid(answer.content).xpath("//sm:loc/text()", namespaces=SM)
            assert 1 <= len(urls) <= 2
            listed += urls
        assert listed == uris
        assert (await http.get(f"{a.base}/sitemaps/999.xml")).status_code == 404
        assert (await http.get(f"{a.base}/sitemaps/x1.xml")).status_code == 404


async def test_robots_txt_opens_public_pages_and_closes_private_ones(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{a.base}/robots.txt")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    lines = answer.text.splitlines()
    assert "Allow: /" in lines
    for private in ("/admin", "/settings", "/home", "/notifications", "/login"):
        assert f"Disallow: {private}" in lines
    assert f"Sitemap: {a.base}/sitemap.xml" in lines
    assert "Disallow: /search" not in lines and "Disallow: /resource" not in lines


async def test_the_sitemap_written_as_static_files(tmp_path: Path) -> None:
    args = ["--config", f"{tmp_path}/node.toml", "--data-dir", f"{tmp_path}/data"]
    await asyncio.to_thread(main, ["user", "create", "ana", *args])
    for title in ("First", "Second", "Third"):
        await asyncio.to_thread(
            main,
            [
                "resource",
                "ana",
                "--title",
                title,
                "--url",
                "https://cfp.example.org/x.pdf",
                "--license",
                "CC BY 4.0",
                *args,
            ],
        )
    out = tmp_path / "site"
    await asyncio.to_thread(
        main, ["catalogue", "sitemap", "--write", str(out), "--sitemap-max-urls", "2", *args]
    )
    root = valid((out / "sitemap.xml").read_bytes())
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = root.xpath("//sm:loc/text()", namespaces=SM)
    pages = []
    for part in parts:
        name = "sitemaps/" + part.rsplit("/", 1)[-1]
        pages += valid((out / name).read_bytes()).xpath("//sm:loc/text()", namespaces=SM)
    assert len(pages) == 3 and all("/objects/" in page for page in pages)
    assert not list(out.rglob("*.part"))


async def test_an_empty_catalogue_has_a_valid_sitemap(make_node: NodeFactory) -> None:
    a = await make_node("a")
    async with httpx.AsyncClient() as http:
        root = valid((await http.get(f"{a.base}/sitemap.xml")).content)
    assert root.xpath("//sm:loc/text()", namespaces=SM) == [f"{a.base}/"]
