"""What a newcomer saw on a 390 px phone (the audit of a fresh node): nothing in the page
overlaps, and every choice in a form sits beside its own words."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from compagnon.storage.queries import actors as actor_queries
from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory

pytestmark = pytest.mark.browser

OVERLAPS = """(selector) => {
  // the box of the words themselves: a link squeezed narrower than its text overflows its box
  const words = (e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return range.getBoundingClientRect();
  };
  const found = [...document.querySelectorAll(selector)];
  const boxes = found.map((e) => [e.textContent.trim(), words(e)]);
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, s] = boxes[j];
    const across = r.left < s.right - 1 && s.left < r.right - 1;
    if (across && r.top < s.bottom - 1 && s.top < r.bottom - 1) out.push(a + ' / ' + b);
  }
  return out;
}"""


async def test_the_header_of_a_trainer_overlaps_nothing(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await node.create_user("ana")  # a trainer: no Admin link, so the links fit two rows
    await log_in(phone, node.base, "ana")
    assert await phone.evaluate(OVERLAPS, ".bar .brand, .bar nav a, .bar nav button") == []
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


async def test_the_federation_mode_radios_sit_beside_their_words(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with node.sessions.begin() as session:
        maria = await actor_queries.user_by_username(session, "maria")
        assert maria is not None
        maria.role = "admin"
    await log_in(phone, node.base, "maria")
    await phone.goto(f"{node.base}/admin/peers")
    for mode in ("open", "allowlist"):
        label = phone.locator("label", has=phone.locator(f"input[value={mode}]"))
        radio = await label.locator("input").bounding_box()
        words = await label.bounding_box()
        assert radio and words
        # a small radio at the start of its line, not one stretched over a line of its own
        assert radio["width"] < 44 and radio["x"] - words["x"] < 8, (radio, words)


async def test_the_resource_forms_boxes_sit_beside_their_words(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    await log_in(phone, node.base, "ana")
    await phone.goto(f"{node.base}/resources/new")
    await phone.get_by_role("button", name="Next").click()  # step 2: the audience boxes
    label = phone.locator("#f-audience label", has_text="teacher")
    box = await label.locator("input").bounding_box()
    words = await label.bounding_box()
    assert box and words
    assert box["width"] < 44 and box["x"] - words["x"] < 8, (box, words)
    assert words["height"] < 60, "one line: the box and its word side by side"


@pytest.mark.parametrize("width", [360, 412])
async def test_the_admin_pages_header_is_a_short_band_on_a_phone(
    make_node: NodeFactory, browser: Browser, width: int
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with node.sessions.begin() as session:
        maria = await actor_queries.user_by_username(session, "maria")
        assert maria is not None
        maria.role = "admin"
    context = await browser.new_context(
        viewport={"width": width, "height": 780}, is_mobile=True, has_touch=True
    )
    phone = await context.new_page()
    try:
        await log_in(phone, node.base, "maria")
        await phone.goto(f"{node.base}/admin/peers")
        for language in ("en", "fr", "ar"):  # longer words; right to left
            await phone.locator("#language-choice").select_option(language)
            await phone.locator("form.language-switch button").click()
            await expect(phone.locator("html")).to_have_attribute("lang", language)
            header = await phone.locator("header.bar").bounding_box()
            assert header is not None and header["height"] < 120, (language, header)
            title = await phone.locator("h1").bounding_box()
            assert title is not None and title["y"] < 200, "the page starts in the first screen"
            assert await phone.evaluate("document.documentElement.scrollWidth") <= width
            # every link is still there, one swipe along its row away, and big enough
            for target in await phone.locator("header.bar nav a, .admin-nav a").all():
                await target.scroll_into_view_if_needed()
                box = await target.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
                assert box["height"] >= 44
        await phone.locator(".admin-nav a[href='/admin/deliveries']").click()
        await expect(phone).to_have_url(f"{node.base}/admin/deliveries")
    finally:
        await context.close()
