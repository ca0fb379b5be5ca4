"""Every main page, on a phone, as a person with a screen reader or a keyboard meets it:
axe-core (the engine bundled by axe-playwright-python) finds nothing of serious or critical
impact, the first Tab lands on a skip link that leads to the content, and the focus is seen.

With COMPAGNON_SCREENSHOTS=1 the same pages are also photographed at phone size into
docs/screenshots/ (README shows them); without it nothing is written, so CI never rewrites
the committed pictures."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from tests.browser.test_pages import log_in
from tests.conftest import NodeFactory
from tests.support.nodes import Node
from tests.support.showcase import ADMIN, Showcase, seed

pytestmark = pytest.mark.browser
BLOCKING = {"serious", "critical"}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PUBLIC_FIRST = ("start", "login")  # read before signing in; every other page after


async def showcase(make_node: NodeFactory, tmp_path: Path) -> tuple[Node, Showcase]:
    node = await make_node("a")
    return node, await seed(node.settings, tmp_path / "files")


def url(node: Node, path: str) -> str:
    return path if path.startswith("http") else f"{node.base}{path}"


def blocking(results: dict[str, Any]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


async def test_no_serious_accessibility_problem_on_any_main_page(
    make_node: NodeFactory, phone: Page, tmp_path: Path
) -> None:
    node, pages = await showcase(make_node, tmp_path)
    axe = Axe()
    found: dict[str, list[str]] = {}
    for name in PUBLIC_FIRST:
        await phone.goto(url(node, pages.pages()[name]))
        found[name] = blocking((await axe.run(phone)).response)
    await log_in(phone, node.base, ADMIN)
    for name, path in pages.pages().items():
        if name in PUBLIC_FIRST:
            continue
        answer = await phone.goto(url(node, path))
        assert answer is not None and answer.status == 200, name
        found[name] = blocking((await axe.run(phone)).response)
    problems = [f"{name}: {problem}" for name, listed in found.items() for problem in listed]
    assert problems == [], "\n".join(problems)


async def test_the_keyboard_skips_to_the_content_with_a_visible_focus(
    make_node: NodeFactory, phone: Page
) -> None:
    node = await make_node("a")
    await phone.goto(f"{node.base}/")
    await phone.keyboard.press("Tab")
    skip = phone.get_by_role("link", name="Skip to the content")
    await expect(skip).to_be_focused()
    await expect(skip).to_be_in_viewport()
    outline = await skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    await phone.keyboard.press("Enter")
    await expect(phone.locator("main")).to_be_focused()


@pytest.mark.skipif(
    os.environ.get("COMPAGNON_SCREENSHOTS") != "1",
    reason="writes docs/screenshots/ only when COMPAGNON_SCREENSHOTS=1",
)
async def test_screenshots_of_the_main_pages_at_phone_size(
    make_node: NodeFactory, phone: Page, tmp_path: Path
) -> None:
    node, pages = await showcase(make_node, tmp_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in PUBLIC_FIRST:
        await phone.goto(url(node, pages.pages()[name]))
        await phone.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    await log_in(phone, node.base, ADMIN)
    for name, path in pages.pages().items():
        if name not in PUBLIC_FIRST and name != "offline":
            await phone.goto(url(node, path))
            await phone.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
