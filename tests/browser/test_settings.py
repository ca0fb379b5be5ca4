""" "My settings" on a phone: a trainer unticks the box that lets her be listed and indexed,
saves her profile, and her resource leaves what the node hands to harvesters (the OAI-PMH
repository, the sitemap)."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory
from tests.support.oai import NS, ask, publish_resource

pytestmark = pytest.mark.browser

BOX = "List my profile and resources in search, directories and national catalogues"


async def test_a_trainer_stops_being_listed_and_indexed(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await node.create_user("nina")
    hers = await publish_resource(node, "nina", "Brick bonds worksheet")
    async with httpx.AsyncClient() as http:
        assert hers.uri in (await http.get(f"{node.base}/sitemap.xml")).text

        await log_in(phone, node.base, "nina")
        await phone.get_by_role("link", name="My settings").click()
        box = phone.get_by_role("checkbox", name=BOX)
        await expect(box).to_be_checked()  # consent is the default
        await box.uncheck()
        await phone.get_by_role("button", name="Save the profile").click()
        await expect(phone.get_by_role("status")).to_contain_text("Your profile is saved")
        await expect(phone.get_by_role("checkbox", name=BOX)).not_to_be_checked()
        assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        assert hers.uri not in (await http.get(f"{node.base}/sitemap.xml")).text
        listed = await ask(http, node, "verb=ListIdentifiers&metadataPrefix=oai_dc")
        assert listed.xpath("//oai:header/@status", namespaces=NS) == ["deleted"]
