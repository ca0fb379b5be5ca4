"""Moderation on a phone, across real nodes: an admin blocks a peer from the peers page and
that peer's posts stop arriving; a trainer reports a remote post, the moderator forwards it,
and the moderators of the author's node find it in their reports."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from compagnon.storage.models import Object
from compagnon.storage.queries import actors as actor_queries
from tests.browser.conftest import PHONE
from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle

pytestmark = pytest.mark.browser


async def make_admin(node: Node, username: str) -> None:
    await node.create_user(username)
    async with node.sessions.begin() as session:
        user = await actor_queries.user_by_username(session, username)
        assert user is not None
        user.role = "admin"


async def held(node: Node, text: str) -> bool:
    async with node.sessions() as session:
        found = await session.scalar(select(Object.id).where(Object.content.contains(text)))
    return found is not None


async def test_a_blocked_peer_stops_arriving(make_node: NodeFactory, phone: Page) -> None:
    a, b = await make_node("a"), await make_node("b")
    await make_admin(a, "boss")
    await a.create_user("maria")
    await b.create_user("joao")
    await a.follow("maria", f"@joao@{b.domain}")
    await settle(a, b)

    await b.post("joao", "Before the block: welding checklist")
    await settle(a, b)
    assert await held(a, "Before the block")

    await log_in(phone, a.base, "boss")
    await phone.goto(f"{a.base}/admin/peers")
    await phone.get_by_label("Domain", exact=True).fill(b.domain)
    await phone.get_by_label("Policy").first.select_option("block")
    await phone.get_by_role("button", name="Apply").first.click()
    await expect(phone.locator("ul.rows li", has_text=b.domain)).to_contain_text("block")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    await b.post("joao", "After the block: this must not arrive")
    await settle(a, b)
    assert not await held(a, "After the block")
    await phone.goto(f"{a.base}/network")
    await expect(phone.locator("main")).not_to_contain_text("After the block")


async def test_a_report_is_forwarded_to_the_authors_node(
    make_node: NodeFactory, phone: Page, browser: Browser
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await make_admin(a, "boss")
    await make_admin(b, "chefe")
    await a.create_user("maria")
    await b.create_user("joao")
    await a.follow("maria", f"@joao@{b.domain}")
    await settle(a, b)
    post = await b.post("joao", "Buy cheap diplomas here")
    await settle(a, b)

    await log_in(phone, a.base, "maria")
    await phone.goto(f"{a.base}/view?uri={post.uri}")
    await phone.get_by_text("Report this post").click()
    await phone.get_by_label("What is wrong with it?").fill("Spam, selling diplomas")
    await phone.get_by_role("button", name="Send the report").click()
    await settle(a, b)

    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    moderator = await context.new_page()
    try:
        await log_in(moderator, a.base, "boss")
        await moderator.goto(f"{a.base}/admin/reports")
        report = moderator.locator("li.report", has_text="Spam, selling diplomas")
        await expect(report).to_be_visible()
        await report.get_by_role("button", name="Forward to their node").click()
        await expect(
            moderator.locator("li.report", has_text="Spam, selling diplomas")
        ).to_contain_text("forwarded")
        await settle(a, b)

        await log_in(moderator, b.base, "chefe")
        await moderator.goto(f"{b.base}/admin/reports")
        received = moderator.locator("li.report", has_text="Spam, selling diplomas")
        await expect(received).to_be_visible()
        await expect(received).to_contain_text(post.uri)
        assert await moderator.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        await context.close()
