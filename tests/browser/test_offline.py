"""A trainer on a phone with a weak connection: the node installs as an app, a page read once
opens again with the network gone, and a post written offline survives a reload and goes out
when the connection returns. Logging out forgets the pages kept for that person."""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext, Page, expect

from compagnon.server.templating import view_url
from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory

pytestmark = pytest.mark.browser


async def wait_for_worker(page: Page) -> None:
    """Until the service worker controls the page (it claims the open pages when active)."""
    await page.evaluate("navigator.serviceWorker.ready")
    await page.wait_for_function("navigator.serviceWorker.controller !== null")


async def test_manifest_and_service_worker_register(make_node: NodeFactory, phone: Page) -> None:
    node = await make_node("a")
    complaints: list[str] = []
    phone.on("console", lambda m: complaints.append(m.text) if m.type == "error" else None)
    phone.on("pageerror", lambda error: complaints.append(str(error)))
    await phone.goto(f"{node.base}/")
    await wait_for_worker(phone)
    scope = await phone.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{node.base}/"

    href = await phone.locator("link[rel=manifest]").get_attribute("href")
    answer = await phone.request.get(f"{node.base}{href}")
    manifest = await answer.json()
    assert manifest["start_url"] == "/home"
    assert manifest["display"] == "standalone"
    assert manifest["name"] == "Centre a"
    for icon in manifest["icons"]:
        image = await phone.request.get(f"{node.base}{icon['src']}")
        assert image.headers["content-type"] == "image/png"
    worker = await phone.request.get(f"{node.base}/sw.js")
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["cache-control"] == "no-cache"  # a new version is seen at once
    assert complaints == []  # the CSP lets the worker and the manifest load


async def test_a_page_read_once_opens_offline(make_node: NodeFactory, phone: Page) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    await node.post("maria", "Fire safety drill on Monday")
    await phone.goto(f"{node.base}/")
    await wait_for_worker(phone)
    await phone.goto(f"{node.base}/@maria")
    await expect(phone.locator("article")).to_contain_text("Fire safety drill")

    context: BrowserContext = phone.context
    await context.set_offline(True)
    await phone.goto(f"{node.base}/@maria")
    await expect(phone.locator("article")).to_contain_text("Fire safety drill")
    await phone.goto(f"{node.base}/search?q=never-read")  # never read: the offline page
    await expect(phone.get_by_role("heading", name="No connection")).to_be_visible()
    await context.set_offline(False)


async def test_a_draft_survives_a_reload_and_an_offline_period(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    await log_in(phone, node.base, "maria")
    await wait_for_worker(phone)
    await phone.reload()  # read once under the worker: kept for offline

    text = "Exam dates for the welding class: 12 and 19 March"
    await phone.get_by_label("New post").fill(text)
    await phone.get_by_label("Who can see it").select_option("followers")
    await phone.reload()
    await expect(phone.get_by_label("New post")).to_have_value(text)
    await expect(phone.get_by_label("Who can see it")).to_have_value("followers")

    context = phone.context
    await context.set_offline(True)
    await phone.reload()  # the copy kept by the worker, the draft put back by the script
    await expect(phone.get_by_label("New post")).to_have_value(text)
    await phone.get_by_role("button", name="Publish").click()
    status = phone.get_by_role("status")
    await expect(status).to_contain_text("waiting to be sent")
    await expect(phone.get_by_label("New post")).to_have_value("")
    await phone.reload()
    await expect(status).to_contain_text("waiting to be sent")

    await context.set_offline(False)  # the `online` event sends it, then the page reloads
    await expect(phone.locator("article").first).to_contain_text("Exam dates")
    await expect(phone.locator("article .visibility").first).to_have_text("Followers only")
    await expect(phone.get_by_label("New post")).to_have_value("")
    await phone.reload()
    await expect(phone.locator("article")).to_have_count(1)  # sent once


async def test_a_sent_draft_is_forgotten_and_logout_forgets_the_pages(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    await log_in(phone, node.base, "maria")
    await wait_for_worker(phone)
    await phone.get_by_label("New post").fill("Workshop open on Saturday")
    await phone.get_by_role("button", name="Publish").click()
    await expect(phone.locator("article").first).to_contain_text("Workshop open")
    await phone.reload()
    await expect(phone.get_by_label("New post")).to_have_value("")

    await phone.get_by_label("New post").fill("Half-written, then I log out")
    await phone.get_by_role("button", name="Log out").click()
    await expect(phone.get_by_role("link", name="Log in")).to_be_visible()
    kept = await phone.evaluate(
        "caches.open('compagnon-pages-v1').then(c => c.keys()).then(k => k.map(r => r.url))"
    )
    assert not any(url.endswith("/home") for url in kept), kept
    drafts = await phone.evaluate("Object.keys(localStorage)")
    assert drafts == []


async def test_a_refused_form_keeps_its_draft_and_each_post_has_its_own_reply_draft(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    first = (await node.post("maria", "Exam on Monday")).uri
    second = (await node.post("maria", "Workshop on Friday")).uri
    await log_in(phone, node.base, "maria")

    too_long = "x" * 5001  # over the 5,000 characters a post may have
    await phone.get_by_label("New post").evaluate(
        "(field, text) => { field.removeAttribute('maxlength'); field.value = text;"
        " field.dispatchEvent(new Event('input', {bubbles: true})); }",
        too_long,
    )
    await phone.get_by_role("button", name="Publish").click()
    await expect(phone.get_by_role("alert")).to_contain_text("at most 5000 characters")
    await phone.goto(f"{node.base}/home")  # the draft was not dropped by the refusal
    await expect(phone.get_by_label("New post")).to_have_value(too_long)

    await phone.goto(f"{node.base}{view_url(first)}")
    await phone.get_by_label("Your reply").fill("I will bring the forms")
    await phone.goto(f"{node.base}{view_url(second)}")
    await expect(phone.get_by_label("Your reply")).to_have_value("")
    await phone.goto(f"{node.base}{view_url(first)}")
    await expect(phone.get_by_label("Your reply")).to_have_value("I will bring the forms")


async def test_a_form_queued_offline_whose_token_expired_is_sent_with_a_fresh_one(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    await log_in(phone, node.base, "maria")
    await wait_for_worker(phone)
    await phone.reload()

    await phone.context.set_offline(True)
    await phone.get_by_label("New post").fill("Sent after the browser lost its form cookie")
    await phone.get_by_role("button", name="Publish").click()
    await expect(phone.get_by_role("status")).to_contain_text("waiting to be sent")
    # The browser's CSRF cookie is gone: the queued token no longer matches (403), so the
    # script reads a fresh one from the form's page and sends again.
    await phone.context.clear_cookies(name="compagnon_csrf")
    await phone.context.set_offline(False)
    await expect(phone.locator("article").first).to_contain_text("lost its form cookie")
