"""The main social flow on a phone (390x844): a trainer on node B finds a trainer of node A by
handle, follows from the profile page, sees A's next post arrive on home, likes it and
replies; A sees the notifications and the reply. Header links are thumb-sized."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory
from tests.support.nodes import settle

pytestmark = pytest.mark.browser


async def assert_thumb_sized(page: Page) -> None:
    """Every link and button of the header is at least 44x44 CSS pixels (WCAG 2.5.5)."""
    targets = page.locator("header.bar a, header.bar button")
    assert await targets.count() >= 3
    for i in range(await targets.count()):
        box = await targets.nth(i).bounding_box()
        assert box is not None
        name = await targets.nth(i).inner_text()
        assert box["width"] >= 44 and box["height"] >= 44, (name, box)


async def test_find_follow_like_and_reply_across_nodes(
    make_node: NodeFactory, phone: Page, browser: Browser
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")

    await log_in(phone, b.base, "joao")
    await assert_thumb_sized(phone)
    await phone.get_by_label("Find someone by handle or address").fill(f"@maria@{a.domain}")
    await phone.get_by_role("button", name="Find").click()
    await expect(phone.get_by_role("heading", name="maria")).to_be_visible()
    await phone.get_by_role("button", name="Follow").click()
    await settle(a, b)
    await phone.reload()
    await expect(phone.get_by_role("button", name="Unfollow")).to_be_visible()

    post = await a.post("maria", "Soldadura MIG: nova ficha de segurança")
    await settle(a, b)
    await phone.goto(f"{b.base}/home")
    article = phone.locator("article", has_text="nova ficha de segurança")
    await expect(article).to_be_visible()
    await article.get_by_role("button", name="Like").click()
    # liked where it was read: still the timeline, at the same post
    await expect(article.get_by_role("button", name="Unlike")).to_be_visible()
    assert phone.url.startswith(f"{b.base}/home#p-"), phone.url
    await article.get_by_role("link", name="Reply").click()
    await phone.get_by_label("Your reply").fill("Obrigado! Vou usar na segunda-feira.")
    await phone.get_by_role("button", name="Reply").click()
    await expect(phone.locator("article", has_text="Vou usar na segunda-feira")).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page must not scroll sideways on a phone"
    await settle(a, b)

    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    author = await context.new_page()
    try:
        await log_in(author, a.base, "maria")
        await expect(author.locator(".unread-count")).to_have_text("3")  # follow, like, reply
        await author.get_by_role("link", name="Notifications").click()
        for said in ("follows you", "liked your post", "replied to your post"):
            await expect(author.locator(".notifications")).to_contain_text(said)
        await (
            author.locator(".notifications li", has_text="replied")
            .get_by_role("link", name="see")
            .click()
        )
        await expect(author.locator("article", has_text="Vou usar")).to_be_visible()
        await author.goto(f"{a.base}/view?uri={post.uri}")
        await expect(
            author.locator("article", has_text="Vou usar na segunda-feira")
        ).to_be_visible()
    finally:
        await context.close()
