"""Stored XSS by URL: a hostile peer's `javascript:`, `data:` and `vbscript:` URLs, through
the inbox and through catalogue sync, and rows stored before the URL rule existed. Nothing
unsafe is stored, linked from a page, or returned by /search as JSON; posts behind a content
warning are folded. (tests/browser/test_xss.py clicks the same pages in Chromium.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select

from compagnon.domain.safe_urls import http_url
from compagnon.storage.models import Activity, Actor, Object
from tests.conftest import NodeFactory
from tests.support.hostile_peer import HostilePeer
from tests.support.signin import sign_in
from tests.support.xss import (
    Scene,
    is_harmless,
    looks_unsafe,
    prepare,
    store_corpus,
    stored_before_the_rule,
    strings_in,
    through_inbox,
    through_sync,
    urls_in_page,
)

PASSWORD = "correct horse battery"


@pytest.fixture
async def peer() -> AsyncIterator[HostilePeer]:
    async with HostilePeer() as hostile:
        yield hostile


@pytest.fixture
async def scene(make_node: NodeFactory, peer: HostilePeer, backend: str) -> Scene:
    return await store_corpus(await make_node("a", backend=backend), peer)


async def received(scene: Scene) -> list[Object]:
    """What the inbox and catalogue sync stored (not the rows planted as an older node's)."""
    base = scene.peer.base
    async with scene.node.sessions() as session:
        rows = await session.scalars(
            select(Object).where(
                Object.uri.like(f"{base}/inbox/%") | Object.uri.like(f"{base}/sync/%")
            )
        )
        return list(rows)


async def test_objects_with_unsafe_ids_are_refused_by_both_paths(scene: Scene) -> None:
    async with scene.node.sessions() as session:
        held = set(await session.scalars(select(Object.uri)))
        outcomes = list(
            await session.scalars(
                select(Activity.error).where(
                    Activity.type == "Create", Activity.is_local.is_(False)
                )
            )
        )
    assert not held & set(scene.refused_ids)
    stored = {o.uri for o in await received(scene)}
    for path in ("inbox", "sync"):
        assert len([u for u in stored if f"/{path}/" in u]) == 19, path  # the 19 with http ids
    assert outcomes.count("ignored: the object id is not an http(s) URL") == 2


async def test_unsafe_urls_are_dropped_on_arrival_and_safe_ones_kept(scene: Scene) -> None:
    objects = await received(scene)
    assert objects
    for obj in objects:
        assert obj.url is None or http_url(obj.url) == obj.url, (obj.uri, obj.url)
        assert not looks_unsafe(obj.content), obj.content
        for tag in obj.recipients.get("tag", []):
            assert not tag["href"] or http_url(tag["href"])
    by_id = {o.uri.rsplit("/", 2)[-2] + "/" + o.uri.rsplit("/", 1)[-1]: o for o in objects}
    # A Link list: the javascript: Link is skipped, the next (safe) one kept.
    assert by_id["inbox/12"].url == f"{scene.peer.base}/inbox/landing"
    assert by_id["sync/12"].url == f"{scene.peer.base}/sync/landing"


async def test_unsafe_urls_of_a_remote_actor_are_dropped(scene: Scene) -> None:
    async with scene.node.sessions() as session:
        mallory = await session.scalar(select(Actor).where(Actor.uri == scene.peer.actor))
    assert mallory is not None
    assert mallory.url == scene.peer.actor  # both `url` entries unsafe: the id stands in
    assert mallory.icon_url is None
    assert mallory.shared_inbox is None
    assert mallory.following_url == ""
    assert mallory.inbox == f"{scene.peer.actor}/inbox"
    assert not looks_unsafe(mallory.summary)


@asynccontextmanager
async def _signed_in(scene: Scene) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=scene.node.base) as http:
        await sign_in(http, "tina", PASSWORD)
        yield http


async def _check_pages(scene: Scene, expected: list[str]) -> None:
    pages = ["/", "/home", "/search", "/@tina", scene.post.uri]
    async with _signed_in(scene) as http:
        shown = ""
        for path in pages:
            answer = await http.get(path, headers={"Accept": "text/html"})
            assert answer.status_code == 200, path
            urls = urls_in_page(answer.text)
            assert urls, path
            bad = [u for u in urls if not is_harmless(u[2])]
            assert not bad, (path, bad)
            shown += answer.text
            # Home reads newest publication first, 20 a page: the hostile posts, dated
            # earlier, may be on an older page (bounded walk).
            for _ in range(5):
                older = re.search(r'href="([^"]+)" rel="next">', answer.text)
                if path != "/home" or older is None:
                    break
                answer = await http.get(older.group(1).replace("&amp;", "&"))
                assert answer.status_code == 200, older.group(1)
                bad = [u for u in urls_in_page(answer.text) if not is_harmless(u[2])]
                assert not bad, (older.group(1), bad)
                shown += answer.text
    for text in expected:  # the posts are there, as text where their link was refused
        assert text in shown, text


async def test_no_page_links_an_unsafe_url_whichever_way_it_came(
    make_node: NodeFactory, peer: HostilePeer
) -> None:
    scene = await prepare(await make_node("a"), peer)
    await _check_pages(scene, ["Checklist for the welding workshop"])
    await through_inbox(scene)
    await _check_pages(scene, ["inbox post 0", "inbox post 11", "inbox hostile resource"])
    await through_sync(scene)
    await _check_pages(scene, ["sync post 0", "sync post 11", "sync hostile resource"])
    await stored_before_the_rule(scene)
    # old resource 12 has a javascript: id: its title is shown, not linked
    await _check_pages(scene, ["old post 0", "old post 12", "old resource 12"])


async def test_search_json_holds_no_unsafe_url(scene: Scene) -> None:
    async with _signed_in(scene) as http:
        answer = await http.get("/search", headers={"Accept": "application/json"})
    found = answer.json()
    assert found["matches"] == 17  # 2 + 2 resources received, 13 stored before the rule
    titles = {hit["title"]: hit for hit in found["results"]}
    assert titles["old resource 12"]["id"] is None  # stored before the rule: no link given
    for text in strings_in(found):
        assert not looks_unsafe(text), text
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", text):  # has a scheme
            assert http_url(text) == text, text


async def test_posts_behind_a_content_warning_are_folded(scene: Scene) -> None:
    async with _signed_in(scene) as http:
        home = (await http.get("/home")).text
        search = (await http.get("/search", params={"q": "sensitive"})).text
    assert '<details class="warning"><summary>Violence</summary>' in home
    folded = home.split("<summary>Violence</summary>", 1)[1].split("</details>", 1)[0]
    assert ">one</a>" in folded  # the post with the warning, inside the fold
    assert '<details class="warning"><summary>Sensitive content</summary>' in search
    assert "sensitive resource" in search.split("<summary>Sensitive content</summary>", 1)[1]
