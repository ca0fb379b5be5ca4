"""A centre admin on a phone: invites a trainer who signs up through the link (once), and
blocks a peer from the peers page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory

pytestmark = pytest.mark.browser


async def test_an_admin_invites_a_trainer_who_signs_up_on_a_phone(
    make_node: NodeFactory, phone: Page, browser: Browser
) -> None:
    node = await make_node("a")
    await node.create_user("boss")
    async with node.sessions.begin() as session:
        from compagnon.storage.queries import actors as actor_queries

        boss = await actor_queries.user_by_username(session, "boss")
        assert boss is not None
        boss.role = "admin"

    await log_in(phone, node.base, "boss")
    await phone.get_by_role("link", name="Admin").first.click()
    await phone.get_by_role("link", name="Accounts, roles and invites").click()
    await phone.get_by_label("Role").first.select_option("trainer")
    await phone.get_by_role("button", name="Create an invite link").click()
    link = await phone.locator("output.invite-link").inner_text()
    assert link.startswith(f"{node.base}/invite/")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        newcomer = await context.new_page()
        await newcomer.goto(link)
        await newcomer.get_by_label("Username").fill("lea")
        await newcomer.get_by_label("Password (at least 8 characters)").fill("a-long-pass")
        await newcomer.get_by_label("Password again").fill("a-long-pass")
        await newcomer.get_by_role("button", name="Create my account").click()
        await expect(newcomer.get_by_role("heading", name="Hello, lea")).to_be_visible()
        answer = await newcomer.goto(link)
        assert answer is not None and answer.status == 410  # the link worked once
        answer = await newcomer.goto(f"{node.base}/admin")
        assert answer is not None and answer.status == 403  # a trainer is no admin
    finally:
        await context.close()

    await phone.get_by_role("link", name="Peers").click()
    await phone.get_by_label("Domain", exact=True).fill("spam.example")
    await phone.get_by_label("Policy").first.select_option("block")
    await phone.get_by_role("button", name="Apply").first.click()
    await expect(phone.locator("ul.rows li", has_text="spam.example")).to_contain_text("block")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
