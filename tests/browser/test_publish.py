"""A trainer on a phone publishes a resource from the web, step by step, with a PDF and a
French title and description; a trainer on another node finds it by search. The same form
works without JavaScript."""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, Page, expect

from compagnon.domain.resources import Attachment
from tests.browser.conftest import PHONE
from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory
from tests.support.nodes import settle
from tests.support.resources import WELDING, publish_resource
from tests.unit.test_media_sniff import MINIMAL_PDF

pytestmark = pytest.mark.browser

TITLE = "Soudage MIG : fiche de sécurité"
PDF = {"name": "fiche-securite.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}


async def test_publish_in_steps_then_found_on_another_node(
    make_node: NodeFactory, phone: Page, browser: Browser
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)

    await log_in(phone, a.base, "maria")
    await phone.locator("header").get_by_role("link", name="Publish a resource").click()
    await expect(phone.get_by_text("Step 1 of 5")).to_be_visible()
    await phone.get_by_label("Title", exact=True).fill(TITLE)
    await phone.get_by_label("Description", exact=True).fill(
        "Les règles à suivre avant de souder, en une page."
    )
    await phone.get_by_label("Language of the title and description").fill("fr")
    await phone.get_by_label("Add a file").set_input_files(PDF)
    await expect(
        phone.get_by_text("fiche-securite.pdf is stored and will be attached.")
    ).to_be_visible()
    await expect(phone.locator(".upload-progress")).to_have_attribute("value", "100")
    await expect(phone.get_by_label("fiche-securite.pdf")).to_be_checked()
    await phone.get_by_role("button", name="Next").click()

    await expect(phone.get_by_text("Step 2 of 5")).to_be_visible()
    await phone.get_by_label("Level (EQF)").select_option("3")
    await phone.get_by_label("Occupations").fill("welder")
    await phone.get_by_role("button", name="welder", exact=True).click()
    await expect(phone.locator("ul.chosen li", has_text="welder")).to_be_visible()
    await phone.get_by_label("teacher").check()
    await phone.locator("#step-whom").get_by_role("button", name="Next").click()

    await phone.get_by_label("Taught").fill("browsing")
    await phone.get_by_role("button", name="DigComp 1.1 · Browsing").click()
    await phone.locator("#step-competences").get_by_role("button", name="Next").click()

    await phone.get_by_label("Licence", exact=True).select_option(
        "https://creativecommons.org/licenses/by-sa/4.0/"
    )
    await phone.get_by_label("Keywords").fill("soudage, sécurité")
    await phone.locator("#step-licence").get_by_role("button", name="Next").click()

    await phone.get_by_role("button", name="Preview").click()
    await expect(phone.get_by_role("status").first).to_contain_text("Nothing is published yet")
    await expect(phone.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    await expect(phone.locator(".preview .facts")).to_contain_text("EQF level 3")
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page must not scroll sideways on a phone"
    await phone.get_by_role("button", name="Publish", exact=True).click()

    await expect(phone.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    await expect(phone.get_by_role("link", name="fiche-securite.pdf")).to_be_visible()
    await expect(phone.get_by_role("link", name="Edit")).to_be_visible()
    await settle(a, b)

    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    other = await context.new_page()
    try:
        await log_in(other, b.base, "joao")
        await other.goto(f"{b.base}/search")
        await other.get_by_label("Words").fill("soudage")
        await other.get_by_role("button", name="Search").click()
        await expect(other.locator("article.result h2")).to_have_text([TITLE])
    finally:
        await context.close()


async def test_the_form_publishes_without_javascript(
    make_node: NodeFactory, browser: Browser
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    context = await browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    page = await context.new_page()
    try:
        await log_in(page, node.base, "maria")
        await page.goto(f"{node.base}/resources/new")
        await page.get_by_label("Title", exact=True).fill(TITLE)
        await page.get_by_label("Add a file").set_input_files(PDF)
        await page.get_by_label("Level (EQF)").select_option("4")
        await page.get_by_label("Taught").fill("digcomp:1.1")
        await page.get_by_role("button", name="Publish", exact=True).click()
        # no licence chosen: the mistake is beside the field, the rest (the file too) kept
        await expect(page.locator("#license-error")).to_contain_text("Creative Commons")
        await expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)
        await expect(page.get_by_label("fiche-securite.pdf")).to_be_checked()
        await expect(page.locator("ul.chosen")).to_contain_text("Browsing, searching")
        await page.get_by_label("Licence", exact=True).select_option(
            "https://creativecommons.org/licenses/by/4.0/"
        )
        await page.get_by_role("button", name="Publish", exact=True).click()
        await expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        await expect(page.get_by_role("link", name="fiche-securite.pdf")).to_be_visible()
    finally:
        await context.close()


async def test_a_restored_draft_keeps_the_files_sent_and_names_those_to_choose_again(
    make_node: NodeFactory, phone: Page
) -> None:
    from tests.unit.test_media_sniff import image_bytes

    node = await make_node("a")
    await node.create_user("maria")
    await log_in(phone, node.base, "maria")
    await phone.goto(f"{node.base}/resources/new")
    await phone.get_by_label("Language", exact=True).select_option("fr")  # the footer's switcher
    await phone.get_by_role("button", name="Change").click()
    await phone.locator("#f-title").fill(TITLE)
    picture = {"name": "torche.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}
    await phone.locator("#f-file").set_input_files(picture)
    await expect(phone.get_by_label("torche.png")).to_be_checked()
    await phone.get_by_label("Décrivez cette image").fill("Une torche MIG tenue à 15°")
    # the connection drops as she chooses the PDF: it cannot be sent
    await phone.context.set_offline(True)
    await phone.locator("#f-file").set_input_files(PDF)
    await expect(phone.locator(".upload-status")).to_contain_text("n'a pas pu être envoyé")
    await phone.context.set_offline(False)

    await phone.reload()
    await expect(phone.locator("#f-title")).to_have_value(TITLE)
    await expect(phone.get_by_label("torche.png")).to_be_checked()  # held by the node: kept
    await expect(phone.get_by_label("Décrivez cette image")).to_have_value(
        "Une torche MIG tenue à 15°"
    )
    await expect(phone.get_by_role("alert")).to_have_text(
        "Votre brouillon est rétabli, mais un navigateur ne peut pas y garder les fichiers "
        "choisis. Choisissez de nouveau ces fichiers : fiche-securite.pdf"
    )
    await phone.locator("#f-file").set_input_files(PDF)
    await expect(phone.get_by_label("fiche-securite.pdf")).to_be_checked()
    await phone.reload()  # both now held by the node: nothing to choose again
    await expect(phone.get_by_label("fiche-securite.pdf")).to_be_checked()
    await expect(phone.get_by_label("torche.png")).to_be_checked()
    await expect(phone.get_by_role("alert")).to_have_count(0)


async def test_a_mistake_with_no_field_of_its_own_is_listed_by_the_buttons(
    make_node: NodeFactory, phone: Page
) -> None:
    # A resource published elsewhere than the form (the CLI) with a picture kept on another
    # site and never described: the edit form has no box for its description, so the
    # refusal cannot sit beside a field. It is listed by the buttons, where she pressed.
    node = await make_node("a")
    await node.create_user("maria")
    picture = "https://images.example.org/media/torch.png"
    resource = dataclasses.replace(WELDING, attachments=(Attachment(picture, "image/png"),))
    obj = await publish_resource(node, "maria", resource)
    await log_in(phone, node.base, "maria")
    await phone.goto(f"{node.base}/resources/edit?uri={quote(obj.uri, safe='')}")
    for step in ("#step-what", "#step-whom", "#step-competences", "#step-licence"):
        await phone.locator(step).get_by_role("button", name="Next").click()
    await phone.get_by_role("button", name="Save changes").click()

    await expect(phone.get_by_text("Some fields need a change")).to_be_visible()
    listed = phone.locator("#step-preview .field-error")
    await expect(listed).to_have_text(
        f"The picture {picture} has no description, and only a picture sent to this node can "
        "be described here: untick it, or add it again as a file and describe it."
    )
    await expect(listed).to_be_in_viewport()
    save = phone.get_by_role("button", name="Save changes")
    message, button = await listed.bounding_box(), await save.bounding_box()
    assert message is not None and button is not None
    assert 0 <= button["y"] - (message["y"] + message["height"]) < 80, "by the buttons"
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "a long address must not widen the page on a phone"

    # As it says: unticked, the picture goes and the change is saved.
    for _back in range(4):
        await phone.locator(".step:not([hidden])").get_by_role("button", name="Back").click()
    await expect(phone.get_by_label(picture)).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "nor its line in the list of files"
    await phone.get_by_label(picture).uncheck()
    for step in ("#step-what", "#step-whom", "#step-competences", "#step-licence"):
        await phone.locator(step).get_by_role("button", name="Next").click()
    await phone.get_by_role("button", name="Save changes").click()
    await expect(phone.get_by_role("heading", name=WELDING.title, level=1)).to_be_visible()
    await expect(phone.get_by_text("Some fields need a change")).to_have_count(0)
