"""Stored XSS, tried as an attacker would: a hostile peer's `javascript:`, `data:` and
`vbscript:` URLs arrive through the inbox (signed Creates, applied by the worker), through
catalogue sync (its outbox), and as rows an older node stored; after each, every distinct link
of /, /home, /search, a profile and an object page is clicked in Chromium on a phone, and
nothing runs: no dialog, no `window.__pwned` in any window, no CSP violation."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, expect
from playwright.async_api import Error as PlaywrightError

from tests.browser.conftest import PHONE
from tests.conftest import NodeFactory
from tests.support.hostile_peer import HostilePeer
from tests.support.xss import (
    STAGES,
    Scene,
    is_harmless,
    looks_unsafe,
    prepare,
    strings_in,
)

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
ALL_URLS = """() => [...document.querySelectorAll('[href], [src], [action]')]
    .map(e => e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action'))"""
# Links that leave the page (the skip link's `#main`, hidden until focused, stays on it).
LEAVING = 'a[href]:not([href^="#"])'
LINKS = f"() => [...document.querySelectorAll('{LEAVING}')].map(a => a.href)"


@dataclass
class Watch:
    """Everything that would show a payload ran, in every window of the browser context."""

    dialogs: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    clicks: int = 0

    def attach(self, page: Page) -> None:
        async def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(f"{page.url}: {dialog.message}")
            with contextlib.suppress(PlaywrightError):  # its window may be closing
                await dialog.dismiss()

        def on_console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                self.csp.append(f"{page.url}: {message.text}")

        page.on("dialog", on_dialog)
        page.on("console", on_console)

    async def check_windows(self, context: BrowserContext, main: Page) -> None:
        for window in list(context.pages):
            await window.wait_for_load_state()
            if await window.evaluate("() => window.__pwned === 1"):
                self.flagged.append(window.url)
            if window is not main:
                await window.close()


@pytest.fixture
async def hostile() -> AsyncIterator[HostilePeer]:
    async with HostilePeer() as peer:
        yield peer


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        yield context
    finally:
        await context.close()


async def log_in(page: Page, base: str) -> None:
    await page.goto(f"{base}/login")
    await page.get_by_label("Username").fill("tina")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Hello, tina")).to_be_visible()


async def click_every_link(page: Page, url: str, context: BrowserContext, watch: Watch) -> int:
    """Open `url`, check every URL attribute, then click each distinct link (warnings
    unfolded first) and look for a payload having run in any window."""
    await page.goto(url)
    urls = await page.evaluate(ALL_URLS)
    assert urls, url
    assert all(is_harmless(u) for u in urls), (url, [u for u in urls if not is_harmless(u)])
    targets = list(dict.fromkeys(await page.evaluate(LINKS)))
    for target in targets:
        await page.goto(url)
        await page.evaluate(
            "() => document.querySelectorAll('details').forEach(d => d.open = true)"
        )
        link = page.locator(LEAVING).nth(await _index_of(page, target))
        await link.click()
        watch.clicks += 1
        await watch.check_windows(context, page)
    return len(targets)


async def _index_of(page: Page, target: str) -> int:
    index = await page.evaluate(
        f"(t) => [...document.querySelectorAll('{LEAVING}')].findIndex(a => a.href === t)",
        target,
    )
    assert index >= 0, target
    return int(index)


async def visit_every_page(scene: Scene, page: Page, context: BrowserContext, w: Watch) -> None:
    base = scene.node.base
    for path in ["/", "/home", "/search", "/@tina", scene.post.uri]:
        url = path if path.startswith("http") else base + path
        await click_every_link(page, url, context, w)
    answer = await context.request.get(f"{base}/search", headers={"Accept": "application/json"})
    found = await answer.json()
    assert not [s for s in strings_in(found) if looks_unsafe(s)]


async def test_clicking_every_link_runs_nothing(
    make_node: NodeFactory, hostile: HostilePeer, context: BrowserContext
) -> None:
    scene = await prepare(await make_node("a"), hostile)
    watch = Watch()
    context.on("page", watch.attach)
    page = await context.new_page()
    await log_in(page, scene.node.base)
    for stage in STAGES:
        await stage(scene)
        await visit_every_page(scene, page, context, watch)
    await page.goto(f"{scene.node.base}/home")
    await expect(page.get_by_text("old post 12")).to_be_visible()  # shown, as text
    assert watch.clicks >= 60, watch.clicks  # the corpus's posts were all there to click
    assert watch.dialogs == []
    assert watch.flagged == []
    assert watch.csp == []  # no inline script or style on any page: the policy blocks nothing


async def test_a_content_warning_folds_the_post_without_javascript(
    make_node: NodeFactory, hostile: HostilePeer, browser: Browser
) -> None:
    scene = await prepare(await make_node("a"), hostile)
    await STAGES[0](scene)  # through the inbox
    context = await browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    try:
        page = await context.new_page()
        await log_in(page, scene.node.base)
        folded = page.locator("details.warning", has_text="Violence")
        await expect(folded.locator("summary")).to_have_text("Violence")
        await expect(folded.locator(".content")).to_be_hidden()
        await folded.locator("summary").click()
        await expect(folded.locator(".content")).to_be_visible()
        await expect(folded.locator(".content")).to_contain_text("one two three")
        sensitive = page.locator("details.warning", has_text="Sensitive content")
        await expect(sensitive.first.locator(".content")).to_be_hidden()
    finally:
        await context.close()
