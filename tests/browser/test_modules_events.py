"""On a phone (390x844), without a script: a trainer makes a module, adds a resource to it
from the resource's page, announces an event; a second trainer of the centre answers
"Going" and the count shows."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory
from tests.support.resources import QUIZ, publish_resource

pytestmark = pytest.mark.browser
NEXT_YEAR = datetime.now().year + 1


async def no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page must not scroll sideways on a phone"


async def test_module_resource_event_and_an_answer_on_a_phone(
    make_node: NodeFactory, phone: Page, browser: Browser
) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    await node.create_user("alice")
    resource = await publish_resource(node, "ana", QUIZ)

    await log_in(phone, node.base, "ana")
    await phone.get_by_role("link", name="My modules and journeys").click()
    await phone.get_by_role("link", name="New module").click()
    await phone.get_by_label("Title", exact=True).fill("Licensing toolkit")
    await phone.get_by_label("Summary", exact=True).fill("Open licences for trainers.")
    await no_sideways_scroll(phone)
    await phone.get_by_role("button", name="Publish").click()
    await expect(phone.get_by_role("heading", name="Licensing toolkit")).to_be_visible()
    await expect(phone.get_by_text("No items yet.")).to_be_visible()

    await phone.goto(resource.uri)
    section = phone.locator("#add-to-module")
    await section.get_by_label("Module").select_option(label="Licensing toolkit")
    await section.get_by_role("button", name="Add to module").click()
    await expect(phone.locator(".part-of", has_text="Licensing toolkit")).to_be_visible()
    await phone.locator(".part-of").get_by_role("link", name="Licensing toolkit").click()
    await expect(phone.get_by_role("link", name=QUIZ.title)).to_be_visible()

    await phone.goto(f"{node.base}/home")
    await phone.get_by_role("link", name="New event").click()
    await phone.get_by_label("Title", exact=True).fill("Open licences workshop")
    await phone.get_by_label("Starts (local time)").fill(f"{NEXT_YEAR}-03-01T09:00")
    await phone.get_by_label("Ends (local time)").fill(f"{NEXT_YEAR}-03-01T12:00")
    await phone.get_by_label("Time zone").select_option("Europe/Rome")
    await phone.get_by_label("Place", exact=True).fill("Sala 2")
    await phone.get_by_label("Capacity (number of places; empty: no limit)").fill("10")
    await no_sideways_scroll(phone)
    await phone.get_by_role("button", name="Publish").click()
    await expect(phone.get_by_role("heading", name="Open licences workshop")).to_be_visible()
    # the time as the reader's language writes it (English here), with the event's zone
    when = re.compile(rf"Mar 1, {NEXT_YEAR}, 9:00\sAM\s.\s12:00\sPM \(Europe/Rome\)")
    await expect(phone.get_by_text(when)).to_be_visible()
    event_url = phone.url

    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    other = await context.new_page()
    try:
        await log_in(other, node.base, "alice")
        await other.goto(event_url)
        await expect(other.get_by_text("You have not answered yet.")).to_be_visible()
        await other.get_by_role("button", name="Going", exact=True).click()
        await expect(other.get_by_text("You answered: Going")).to_be_visible()
        await expect(other.get_by_text("1 going · 0 maybe · 0 not going")).to_be_visible()
        await expect(other.get_by_text("10 places, 9 left")).to_be_visible()
        await no_sideways_scroll(other)
    finally:
        await context.close()
