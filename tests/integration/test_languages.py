"""The interface language of pages over real HTTP: the browser's Accept-Language, the
footer's switcher (a cookie), the account's choice, and what each page then says."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from babel.dates import format_date

from tests.conftest import NodeFactory
from tests.support.catalogues import use_tiny_catalogues
from tests.support.resources import publish_quiz
from tests.support.web import Browser, csrf_of


@pytest.fixture(autouse=True)
def tiny(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return use_tiny_catalogues(monkeypatch, tmp_path)


async def _get(base: str, path: str, **headers: str) -> tuple[str, dict[str, str]]:
    async with aiohttp.ClientSession() as http, http.get(base + path, headers=headers) as answer:
        assert answer.status == 200
        return await answer.text(), dict(answer.headers)


async def test_the_browser_s_language_is_spoken(make_node: NodeFactory) -> None:
    node = await make_node("a")
    page, headers = await _get(node.base, "/search", **{"Accept-Language": "de, fr-CH;q=0.9"})
    assert '<html lang="fr" dir="ltr">' in page and "Recherche" in page
    assert "Accept-Language" in headers["Vary"]
    page, _ = await _get(node.base, "/search", **{"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in page and "بحث" in page
    # Portuguese has an empty catalogue: not chosen, nor offered in the switcher.
    page, _ = await _get(node.base, "/search", **{"Accept-Language": "pt"})
    assert '<html lang="en" dir="ltr">' in page
    assert 'value="pt"' not in page and 'value="fr"' in page and "Français" in page


async def test_the_node_s_default_serves_the_rest(make_node: NodeFactory) -> None:
    node = await make_node("a", language="fr")
    page, _ = await _get(node.base, "/search", **{"Accept-Language": "ja"})
    assert '<html lang="fr"' in page
    page, _ = await _get(node.base, "/search")
    assert '<html lang="fr"' in page


async def test_a_visitor_switches_language_in_the_footer(make_node: NodeFactory) -> None:
    node = await make_node("a")
    async with Browser(node) as visitor:
        page = await visitor.page("/search?q=weld")
        form = {"csrf": csrf_of(page), "language": "ar", "next": "/search?q=weld"}
        status, _, headers = await visitor.post("/language", form)
        assert status == 303 and headers["Location"] == "/search?q=weld"
        page = await visitor.page("/search?q=weld")
        assert 'dir="rtl"' in page  # the cookie, though the browser asks for nothing
        # The cookie wins over the browser's wish.
        async with visitor.http.get(
            node.base + "/search", headers={"Accept-Language": "fr"}
        ) as answer:
            assert 'lang="ar"' in await answer.text()
        # Only this site's paths are followed back; unknown languages are refused.
        status, _, headers = await visitor.post(
            "/language", {**form, "language": "fr", "next": "//evil.example/"}
        )
        assert status == 303 and headers["Location"] == "/"
        status, body, _ = await visitor.post("/language", {**form, "language": "pt"})
        assert status == 400 and "Language" in body
        status, _, _ = await visitor.post("/language", {**form, "csrf": "forged"})
        assert status == 403


async def test_the_account_s_language_wins(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with Browser(node) as maria:
        assert await maria.log_in("maria") == 303
        page = await maria.page("/settings")
        form = {"csrf": csrf_of(page), "action": "language", "language": "fr"}
        status, _, _ = await maria.post("/settings", form)
        assert status == 303
        maria.http.cookie_jar.clear_domain("127.0.0.1")  # no switcher cookie either
        assert await maria.log_in("maria") == 303
        async with maria.http.get(node.base + "/home", headers={"Accept-Language": "ar"}) as answer:
            page = await answer.text()
        assert '<html lang="fr"' in page and "Mes réglages" in page
        status, body, _ = await maria.post(
            "/settings", {**form, "csrf": csrf_of(page), "language": "klingon"}
        )
        assert status == 400 and "Language: choose one of the languages in the list." in body


async def test_vocabulary_labels_and_dates_follow_the_reader(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    quiz = await publish_quiz(node, "maria")
    english, _ = await _get(node.base, "/search")
    french, _ = await _get(node.base, "/search", **{"Accept-Language": "fr"})
    # ISCED-F 0611 has a French label (a filter of the search page).
    assert "Computer use" in english and "Utilisation d\u2019un ordinateur" in french
    assert "1 resource" in english
    page, _ = await _get(
        node.base, "/view?uri=" + quote(quiz.uri, safe=""), **{"Accept-Language": "fr"}
    )
    assert format_date(quiz.published, "medium", locale="fr") in page  # "6 déc. 2026"
