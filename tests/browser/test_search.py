"""A trainer on a phone searches the catalogue, narrows it by level with one tap and opens
what is left."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.async_api import Page, expect

from compagnon.federation.outbox import publish
from compagnon.server.keys import FEDERATION
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.support.resources import QUIZ

pytestmark = pytest.mark.browser


async def test_search_then_narrow_by_level(make_node: NodeFactory, phone: Page) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    assert node.app is not None
    async with node.sessions.begin() as session:
        author = await actor_queries.local_by_username(session, "maria")
        assert author is not None
        for title, eqf in (("Soldadura MIG: checklist", 3), ("Soldadura TIG avançada", 4)):
            resource = replace(QUIZ, title=title, eqf_level=eqf, isced_field="0715")
            await publish.publish_resource(session, node.app[FEDERATION].urls, author, resource)

    await phone.goto(node.base)
    await phone.get_by_role("link", name="Search").click()
    await phone.get_by_label("Words").fill("soldadura")
    await phone.get_by_role("button", name="Search").click()
    await expect(phone.get_by_role("status")).to_have_text("2 resources")
    await expect(phone.locator("article.result")).to_have_count(2)

    await phone.get_by_text("Level (EQF)").click()  # opens the filter
    await phone.get_by_role("link", name="EQF level 4").click()
    await expect(phone.get_by_role("status")).to_have_text("1 resource")
    await expect(phone.locator("article.result h2")).to_have_text(["Soldadura TIG avançada"])
    await expect(phone.get_by_label("Words")).to_have_value("soldadura")  # the words are kept
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"

    await phone.get_by_role("link", name="Soldadura TIG avançada").click()
    await expect(phone.locator("article .facts")).to_contain_text("EQF level 4")
