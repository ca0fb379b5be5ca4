"""A trainer on a phone opens a learning resource with every field: the title and the
translation, the files with their kind and size, the licence, every value a link to the
search it filters, the lineage; the page carries its AMB record as JSON-LD and runs no
script; nothing scrolls sideways."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from compagnon import operations
from compagnon.operations.resource_files import store_files
from tests.conftest import NodeFactory
from tests.integration.test_resource_files import write_files
from tests.support.resources import WELDING

pytestmark = pytest.mark.browser


async def test_a_resource_page_on_a_phone(
    make_node: NodeFactory, phone: Page, tmp_path: Path
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    files = await store_files(node.settings, "maria", write_files(tmp_path))
    title = "Oxy-fuel </script><script>document.title='owned'</script> checklist"
    resource = replace(WELDING, title=title, attachments=tuple(files))
    uri = await operations.publish_resource(
        node.settings, "maria", resource, "public", licence_checked=True
    )
    complaints: list[str] = []
    phone.on("pageerror", lambda error: complaints.append(str(error)))
    phone.on(
        "console",
        lambda m: complaints.append(m.text) if "Content Security Policy" in m.text else None,
    )

    await phone.goto(uri)
    await expect(phone.locator("h1")).to_have_text(title)
    await expect(phone.locator("section.language h2")).to_contain_text(
        WELDING.translations[0].title
    )
    pdf = phone.get_by_role("link", name="Checklist.pdf")
    await expect(pdf).to_have_attribute("href", files[0].url)
    await expect(phone.locator(".files li").nth(1)).to_contain_text("H5P")
    await expect(phone.get_by_role("link", name="Open the resource")).to_have_attribute(
        "href", WELDING.url
    )
    await expect(phone.locator(".licence")).to_contain_text("CC BY-SA 4.0")
    await expect(phone.locator(".lineage a")).to_have_attribute("href", WELDING.is_based_on[0])
    await expect(phone.locator(".part-of a")).to_have_attribute("href", WELDING.is_part_of[0])
    expected = {
        "EQF level 3": "/search?eqf=3",
        "Mechanics and metal trades": "/search?field=0715",
        "welder": "/search?occupation=",
        "handle fuels": "/search?competence=",
    }
    for name, href in expected.items():
        await expect(
            phone.locator(".facts").get_by_role("link", name=name, exact=True)
        ).to_have_attribute("href", _starting(href))
    assert await phone.evaluate("document.title") != "owned"
    embedded = await phone.locator('script[type="application/ld+json"]').text_content()
    record = json.loads(embedded or "")
    assert record["name"] == title and record["id"] == uri
    assert [e["contentUrl"] for e in record["encoding"]] == [f.url for f in files]
    described = phone.locator('link[rel="describedby"]')
    await expect(described).to_have_attribute("href", f"{uri}/amb")
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"

    await phone.locator(".facts").get_by_role("link", name="EQF level 3").click()
    await expect(phone.get_by_role("status")).to_have_text("1 resource")
    assert complaints == []  # no Content-Security-Policy complaint, no script error


def _starting(prefix: str) -> object:
    import re

    return re.compile("^" + re.escape(prefix))
