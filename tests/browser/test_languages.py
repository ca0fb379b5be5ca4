"""The interface in another language on a phone: a visitor picks Arabic in the footer and
the page turns right to left (the layout mirrored, not only the text); a trainer chooses
French on "My settings" and keeps it after signing out and in again."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory
from tests.support.catalogues import use_tiny_catalogues
from tests.support.resources import WELDING, publish_resource

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def tiny(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A few messages in French and Arabic, whatever the translators' catalogues hold (except
    # for the test of the shipped catalogue).
    if "shipped" not in request.node.name:
        use_tiny_catalogues(monkeypatch, tmp_path)


async def _box(page: Page, selector: str) -> dict[str, float]:
    box = await page.locator(selector).first.bounding_box()
    assert box is not None
    return box


async def test_a_visitor_switches_to_arabic_and_the_page_reads_right_to_left(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await phone.goto(f"{node.base}/search")
    assert await phone.evaluate("getComputedStyle(document.body).direction") == "ltr"
    brand_ltr = await _box(phone, ".bar .brand")
    assert brand_ltr["x"] < PHONE["width"] / 2  # the node's name on the left

    await phone.get_by_label("Language").select_option("ar")
    await phone.get_by_role("button", name="Change").click()

    await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    await expect(phone.locator("html")).to_have_attribute("lang", "ar")
    assert phone.url.endswith("/search")  # back on the same page
    assert await phone.evaluate("getComputedStyle(document.body).direction") == "rtl"
    await expect(phone.locator(".bar nav").get_by_role("link", name="بحث")).to_be_visible()
    brand_rtl = await _box(phone, ".bar .brand")
    nav_rtl = await _box(phone, ".bar nav")
    # Mirrored: the name now on the right, the navigation to its left.
    assert brand_rtl["x"] + brand_rtl["width"] > PHONE["width"] / 2
    assert nav_rtl["x"] < brand_rtl["x"]
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # What people write keeps its own direction: an English post reads left to right.
    await node.create_user("maria")
    await node.post("maria", "Welding safety checklist for EQF level 3")
    await phone.goto(f"{node.base}/centre")
    post = phone.locator(".post .content").first
    await expect(post).to_contain_text("Welding safety checklist")
    assert await post.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # So do an English resource's title and description on its page and in search.
    resource = await publish_resource(node, "maria", WELDING)
    await phone.goto(resource.uri)
    for part in (".resource h1", ".resource .description"):
        shown = phone.locator(part).first
        assert await shown.evaluate("e => getComputedStyle(e).direction") == "ltr", part
    await phone.goto(f"{node.base}/search")
    title = phone.locator(".result h2").first
    assert await title.evaluate("e => getComputedStyle(e).direction") == "ltr"

    # The choice is kept (a cookie) on the next page, and can be undone.
    await phone.goto(f"{node.base}/login")
    await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    await phone.get_by_label("اللغة").select_option("en")
    await phone.get_by_role("button", name="تغيير").click()
    await expect(phone.locator("html")).to_have_attribute("dir", "ltr")


async def test_a_trainer_chooses_french_in_my_settings(make_node: NodeFactory, phone: Page) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    await log_in(phone, node.base, "maria")
    await phone.get_by_role("link", name="My settings").click()
    await phone.get_by_label("Language of the pages").select_option("fr")
    await phone.get_by_role("button", name="Save the language").click()
    await expect(phone.locator("html")).to_have_attribute("lang", "fr")
    await expect(phone.get_by_role("heading", name="Mes réglages")).to_be_visible()
    await phone.context.clear_cookies()
    await log_in(phone, node.base, "maria")
    await expect(phone.locator(".bar nav").get_by_role("link", name="Recherche")).to_be_visible()


async def test_the_shipped_arabic_catalogue_on_a_phone(make_node: NodeFactory, phone: Page) -> None:
    """The same with the translators' own catalogue, not the tiny one of the other tests."""
    from compagnon import i18n

    if "ar" not in i18n.available_languages():
        pytest.skip("the Arabic catalogue translates nothing yet")
    token = i18n.current_language.set("ar")
    try:
        search, log_in_label = i18n._("Search"), i18n._("Log in")
    finally:
        i18n.current_language.reset(token)
    node = await make_node("a")
    await phone.goto(f"{node.base}/search", wait_until="domcontentloaded")
    await phone.get_by_label("Language").select_option("ar")
    await phone.get_by_role("button", name="Change").click()
    await expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    nav = phone.locator(".bar nav")
    await expect(nav.get_by_role("link", name=search, exact=True)).to_be_visible()
    await expect(nav.get_by_role("link", name=log_in_label, exact=True)).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
