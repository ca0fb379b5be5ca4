"""A learning resource with files, whole: published on node A with every field, two
languages, a PDF and an H5P package stored through compagnon/media, it arrives on node B
with identical metadata (attachments included, linked to A, not copied); both nodes serve
its page with every value and its AMB record (`rel="describedby"`, embedded, valid); the
file is read in ranges through the node; the CLI's `--file` stores and attaches."""

from __future__ import annotations

import asyncio
import io
import json
import re
import zipfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from compagnon import operations
from compagnon.domain.resources import normalised
from compagnon.federation.resource_convert import resource_from_document
from compagnon.operations.resource_files import store_files
from tests.conftest import NodeFactory
from tests.support.nodes import settle
from tests.support.resources import WELDING
from tests.unit.test_amb import errors
from tests.unit.test_media_sniff import MINIMAL_PDF

ACTIVITY_JSON = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html"}
EMBEDDED_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def h5p_package() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "h5p.json", '{"title": "Gas safety quiz", "mainLibrary": "H5P.QuestionSet"}'
        )
        archive.writestr("content/content.json", "{}")
    return out.getvalue()


def write_files(folder: Path) -> list[Path]:
    pdf, h5p = folder / "Checklist.pdf", folder / "gas-quiz.h5p"
    pdf.write_bytes(MINIMAL_PDF)
    h5p.write_bytes(h5p_package())
    return [pdf, h5p]


def links(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


async def test_files_and_every_field_reach_the_peer_and_both_pages_link_them(
    make_node: NodeFactory, backend: str, tmp_path: Path
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    files = await store_files(a.settings, "ana", write_files(tmp_path))
    assert [(f.media_type, f.name, f.size) for f in files] == [
        ("application/pdf", "Checklist.pdf", len(MINIMAL_PDF)),
        ("application/h5p+zip", "gas-quiz.h5p", len(h5p_package())),  # an H5P, from its bytes
    ]
    resource = replace(WELDING, attachments=tuple(files))
    uri = await operations.publish_resource(
        a.settings, "ana", resource, "public", licence_checked=True
    )
    await settle(a, b)

    async with httpx.AsyncClient() as http:
        answer = await http.get(uri, headers=ACTIVITY_JSON)
        sent = answer.json()
        amb_on_a = f"{uri}/amb"
        assert (
            answer.headers["Link"] == f'<{amb_on_a}>; rel="describedby"; type="application/ld+json"'
        )
        assert [
            (d["type"], d["mediaType"], d["url"], d["name"], d["contentSize"])
            for d in sent["attachment"]
        ] == [("Document", f.media_type, f.url, f.name, str(f.size)) for f in files]
        assert all(f.url.startswith(f"{a.base}/media/") for f in files)
        for f in files:  # the readable content links every file
            assert f'href="{f.url}"' in sent["content"]
        tags = {t["name"] for t in sent["tag"]}
        assert {"#EQF3", "#MechanicsAndMetalTrades", "#Welder", "#WeldersAndFlamecutters"} <= tags

        # On B: the same document, the same resource, field by field.
        copy = await b.object(uri)
        assert copy is not None and copy.raw is not None
        for name, value in sent.items():
            if name != "@context":
                assert copy.raw.get(name) == value, name
        assert resource_from_document(copy.raw) == normalised(resource)

        # B's page of it: every file linked where it lives on A, nothing copied to B.
        page_on_b = await http.get(f"{b.base}/resource", params={"uri": uri}, headers=HTML)
        assert page_on_b.status_code == 200, page_on_b.text
        found = links(page_on_b.text)
        assert {f.url for f in files} <= found
        assert not any(h.startswith(f"{b.base}/media/") for h in found)
        # An H5P package is named for what it is, on the page and in the wire content.
        assert "Interactive exercise (H5P)" in page_on_b.text and "PDF" in page_on_b.text
        assert "Interactive exercise (H5P)" in sent["content"]
        amb_on_b = f"{b.base}/resource/amb?uri={quote(uri, safe='')}"
        assert (
            page_on_b.headers["Link"]
            == f'<{amb_on_b}>; rel="describedby"; type="application/ld+json"'
        )
        for page, amb_url in ((page_on_b, amb_on_b), (await http.get(uri, headers=HTML), amb_on_a)):
            href = amb_url.replace("&", "&amp;")
            head = f'<link rel="describedby" type="application/ld+json" href="{href}">'
            assert head in page.text
            [embedded] = EMBEDDED_RE.findall(page.text)
            record = (await http.get(amb_url)).json()
            assert json.loads(embedded) == record
            assert errors(record) == []
            assert [e["contentUrl"] for e in record["encoding"]] == [f.url for f in files]
            assert record["encoding"][1]["encodingFormat"] == "application/h5p+zip"
            assert record["id"] == uri and record["mainEntityOfPage"][0]["id"] == amb_url
        answer = await http.get(amb_on_a)
        assert answer.headers["Content-Type"].startswith("application/ld+json")
        assert record["creator"][0]["name"] == "ana"  # the names the node knows

        # The file read in ranges through the node.
        part = await http.get(files[0].url, headers={"Range": "bytes=9-29"})
        assert part.status_code == 206
        assert part.content == MINIMAL_PDF[9:30]
        assert part.headers["Content-Range"] == f"bytes 9-29/{len(MINIMAL_PDF)}"


async def test_the_page_of_a_resource_shows_every_value_with_its_search_link(
    make_node: NodeFactory, tmp_path: Path
) -> None:
    a = await make_node("a")
    await a.create_user("ana")
    files = await store_files(a.settings, "ana", write_files(tmp_path))
    resource = replace(WELDING, attachments=tuple(files))
    uri = await operations.publish_resource(
        a.settings, "ana", resource, "public", licence_checked=True
    )
    async with httpx.AsyncClient() as http:
        page = (await http.get(uri, headers=HTML)).text
    found = links(page)
    for search in (
        "/search?eqf=3",
        "/search?field=0715",
        "/search?type=worksheet",
        "/search?occupation=" + quote(WELDING.occupations[0], safe=""),
        "/search?competence=" + quote(WELDING.teaches[0], safe=""),
        "/search?competence=digcompedu%3A2.2",
        "/search?lang=pt",
        "/search?licence=" + quote(WELDING.license, safe=""),
        "/search?q=welding",
    ):
        assert search in found, search
    assert (
        WELDING.url in found and WELDING.is_based_on[0] in found and WELDING.is_part_of[0] in found
    )
    assert "Based on" in page  # the lineage partial (templates/_lineage.html)
    assert page.index(WELDING.title) < page.index(WELDING.translations[0].title)  # primary first
    assert WELDING.translations[0].description in page
    for label in (
        "Level (EQF)",
        "Field (ISCED-F)",
        "Audience",
        "Occupation",
        "Teaches",
        "Assesses",
        "Requires",
        "Languages",
        "Time",
        "1 h 30 min",
    ):
        assert label in page, label
    assert "Attribution-ShareAlike 4.0 International" in page and "CC BY-SA 4.0" in page
    assert "not an open licence" not in page
    assert "style=" not in page and "<script>" not in page

    own_terms = replace(resource, license="https://cfp.example.org/terms")
    other = await operations.publish_resource(
        a.settings, "ana", own_terms, "public", licence_checked=True
    )
    async with httpx.AsyncClient() as http:
        page = (await http.get(other, headers=HTML)).text
        record = (await http.get(f"{other}/amb")).json()
    assert "not an open licence" in page and "https://cfp.example.org/terms" in links(page)
    assert "license" not in record and errors(record) == []


async def test_no_record_nor_page_for_what_is_not_a_public_resource(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("ana")
    post = (await a.post("ana", "just a note")).uri
    hidden = await operations.publish_resource(
        a.settings, "ana", WELDING, "followers", licence_checked=True
    )
    async with httpx.AsyncClient() as http:
        for url in (f"{post}/amb", f"{hidden}/amb", f"{a.base}/objects/nothing/amb"):
            assert (await http.get(url)).status_code == 404, url
        for params in ({}, {"uri": "javascript:alert(1)"}, {"uri": hidden}, {"uri": post}):
            for path in ("/resource", "/resource/amb"):
                answer = await http.get(f"{a.base}{path}", params=params)
                assert answer.status_code in (400, 404), (path, params)


def cli(tmp_path: Path, *argv: str) -> list[str]:
    return [*argv, "--config", f"{tmp_path}/node.toml", "--data-dir", f"{tmp_path}/data"]


async def test_the_cli_attaches_files_and_refuses_a_page_called_pdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from compagnon.cli import build_parser, main, settings_from

    def run(*argv: str) -> str:
        main(cli(tmp_path, *argv))
        return capsys.readouterr().out.strip()

    pdf, h5p = write_files(tmp_path)
    await asyncio.to_thread(run, "user", "create", "ana")
    with pytest.raises(SystemExit) as mistaken:  # checked before any file is stored
        await asyncio.to_thread(
            run,
            "resource",
            "publish",
            "ana",
            "--title",
            "Quiz",
            "--license",
            "CC BY 4.0",
            "--eqf",
            "9",
            "--file",
            str(h5p),
        )
    assert "EQF levels go from 1 to 8." in str(mistaken.value)
    assert await asyncio.to_thread(run, "media", "list") == "no files stored"
    uri = await asyncio.to_thread(
        run,
        "resource",
        "publish",
        "ana",
        "--title",
        "Gas quiz",
        "--license",
        "CC BY 4.0",
        "--file",
        str(h5p),
    )
    node = settings_from(build_parser().parse_args(cli(tmp_path, "migrate")))
    [attached] = (await operations.resource_of(node, "ana", uri)).attachments
    assert (attached.media_type, attached.name, attached.size) == (
        "application/h5p+zip",
        "gas-quiz.h5p",
        h5p.stat().st_size,
    )
    assert attached.url.startswith(node.base_url + "/media/")

    await asyncio.to_thread(run, "resource", "edit", "ana", uri, "--file", str(pdf))
    now = await operations.resource_of(node, "ana", uri)
    assert [a.name for a in now.attachments] == ["gas-quiz.h5p", "Checklist.pdf"]

    fake = tmp_path / "notes.pdf"
    fake.write_bytes(b"<!doctype html><html><script>alert(1)</script></html>")
    with pytest.raises(SystemExit) as refused:
        await asyncio.to_thread(run, "resource", "edit", "ana", uri, "--file", str(fake))
    assert "notes.pdf" in str(refused.value)
    assert len((await operations.resource_of(node, "ana", uri)).attachments) == 2
    with pytest.raises(SystemExit) as missing:
        await asyncio.to_thread(
            run, "resource", "edit", "ana", uri, "--file", str(tmp_path / "nope.pdf")
        )
    assert "nope.pdf" in str(missing.value)
