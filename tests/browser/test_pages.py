"""A trainer on a phone: logs in, makes a mistake in a form without losing the text,
publishes, and a colleague on another node reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.conftest import NodeFactory
from tests.support.nodes import settle

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"  # what tests.support.nodes gives every user


async def log_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    await page.goto(f"{base}/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()


async def test_login_mistake_then_success(make_node: NodeFactory, phone: Page) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    await log_in(phone, node.base, "maria", "wrong password")
    await expect(phone.get_by_role("alert")).to_have_text("Wrong username or password.")
    await expect(phone.get_by_label("Username")).to_have_value("maria")
    await phone.get_by_label("Password").fill(PASSWORD)
    await phone.get_by_role("button", name="Log in").click()
    await expect(phone.get_by_role("heading", name="Hello, maria")).to_be_visible()


async def test_compose_keeps_the_text_on_a_mistake_and_publishes(
    make_node: NodeFactory, phone: Page, tmp_path: Path
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("pedro")
    await b.follow("pedro", f"maria@{a.domain}")
    await settle(a, b)

    await log_in(phone, a.base, "maria")
    await phone.get_by_label("Who can see it").select_option("unlisted")
    await phone.get_by_role("button", name="Publish").click()
    await expect(phone.get_by_role("alert")).to_have_text("Write something before publishing.")
    await expect(phone.get_by_label("Who can see it")).to_have_value("unlisted")  # kept

    text = "Checklist: soldadura MIG, nível EQF 3 — https://example.org/mig.pdf"
    await phone.get_by_label("New post").fill(text)
    await phone.get_by_label("Who can see it").select_option("followers")
    await phone.get_by_role("button", name="Publish").click()
    await expect(phone.locator("article").first).to_contain_text("soldadura MIG")
    await expect(phone.locator("article .visibility").first).to_have_text("Followers only")
    link = phone.locator("article a", has_text="https://example.org/mig.pdf")
    await expect(link).to_have_attribute("rel", "nofollow noopener noreferrer")
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    await phone.screenshot(path=str(tmp_path / "home-phone.png"), full_page=True)

    await settle(a, b)
    await log_in(phone, b.base, "pedro")
    await expect(phone.locator("article").first).to_contain_text("soldadura MIG")
    await expect(phone.locator("article .handle").first).to_have_text(f"@maria@{a.domain}")


async def test_profile_page_lists_public_posts_only(make_node: NodeFactory, phone: Page) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    await node.post("maria", "Open to all: fire safety drill")
    await node.post("maria", "Followers only: exam dates", visibility="followers")
    await phone.goto(f"{node.base}/@maria")
    await expect(phone.get_by_role("heading", name="maria")).to_be_visible()
    await expect(phone.locator("article")).to_have_count(1)
    await expect(phone.locator("article")).to_contain_text("fire safety drill")
