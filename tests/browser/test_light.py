"""Light on a weak connection: every main page of a seeded node weighs under 100 KB before
images (HTML, CSS and JS), and images come as small previews made on the server, fetched
only when scrolled near."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.conftest import NodeFactory
from tests.support.page_weight import LIMIT, weigh
from tests.support.showcase import ADMIN, seed
from tests.support.signin import sign_in

pytestmark = pytest.mark.browser


async def test_every_main_page_is_under_100_kb_before_images(
    make_node: NodeFactory, tmp_path: Path
) -> None:
    node = await make_node("a")
    pages = await seed(node.settings, tmp_path / "files")
    async with httpx.AsyncClient(base_url=node.base) as http:
        await sign_in(http, ADMIN)
        weights = [await weigh(http, name, path) for name, path in pages.pages().items()]
    assert [(w.page, w.status) for w in weights if w.status != 200] == []
    assert [(w.page, w.total) for w in weights if w.total > LIMIT] == []


async def test_resource_files_and_lists_show_small_lazy_previews(
    make_node: NodeFactory, phone: Page, tmp_path: Path
) -> None:
    node = await make_node("a")
    pages = await seed(node.settings, tmp_path / "files")
    await phone.goto(pages.resource)
    preview = phone.locator(".files img.preview").first
    await expect(preview).to_have_attribute("loading", "lazy")
    await expect(preview).to_have_attribute("width", "160")
    await expect(preview).to_have_attribute("height", "120")
    source = await preview.get_attribute("src")
    assert source is not None
    image = await phone.request.get(f"{node.base}{source}")
    assert image.headers["content-type"] == "image/webp"
    original = (tmp_path / "files" / "torch.jpg").stat().st_size
    assert len(await image.body()) < original / 4  # 480 px, not the 1600 px upload

    await phone.goto(f"{node.base}/search?q=oxy")
    listed = phone.locator("article.result img.preview")
    await expect(listed).to_have_count(1)
    await expect(listed).to_have_attribute("src", source)
    await expect(listed).to_have_attribute("loading", "lazy")
