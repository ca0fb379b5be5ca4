"""Someone from a national body opens the statistics on a phone, from the link at the foot
of any page: every chart is an image named by its title, its table opens under it, a CSV
downloads, and nothing scrolls sideways. No JavaScript is needed (the page runs none)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.conftest import NodeFactory
from tests.support.statistics import fill

pytestmark = pytest.mark.browser


async def test_statistics_on_a_phone(make_node: NodeFactory, phone: Page) -> None:
    node = await make_node("a", country="ES")
    await fill(node)

    await phone.goto(node.base)
    await phone.get_by_role("link", name="Statistics").click()
    await expect(phone.get_by_role("heading", name="Statistics", exact=True)).to_be_visible()
    await expect(phone.get_by_role("img", name="Resources by country")).to_be_visible()
    await expect(phone.get_by_role("img", name="Which centres federate with which")).to_be_visible()

    country = phone.locator("section#country")
    await country.get_by_text("The table behind this chart").click()
    await expect(country.get_by_role("table")).to_contain_text("Portugal")
    async with phone.expect_download() as download:
        await country.get_by_role("link", name="Download this table (CSV)").click()
    assert (await download.value).suggested_filename == "statistics-country.csv"

    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
