"""FEDERATION.md: the outbox is keyset-paged by `max_id`, so "a harvester walking a big
catalogue while it grows never skips or repeats an item". Walked here page by page over HTTP,
with new posts published between two page fetches."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import NodeFactory
from tests.support.nodes import Node

AP = {"Accept": "application/activity+json"}


async def get(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    answer = await http.get(url, headers=AP)
    assert answer.status_code == 200, answer.text
    doc: dict[str, Any] = answer.json()
    return doc


def contents(page: dict[str, Any]) -> list[str]:
    return [item["object"]["content"] for item in page["orderedItems"]]


async def test_outbox_pages_neither_skip_nor_repeat_while_the_outbox_grows(
    make_node: NodeFactory, backend: str
) -> None:
    node: Node = await make_node("a", backend=backend, outbox_page_size=5)
    alice = await node.create_user("alice")
    for n in range(17):
        await node.post("alice", f"post {n}")
        if n % 4 == 0:  # not in the outbox, but between its items in the table
            await node.post("alice", f"private {n}", visibility="followers")

    seen: list[str] = []
    async with httpx.AsyncClient() as http:
        page = await get(http, (await get(http, alice.outbox))["first"])
        pages = 1
        while True:
            seen += contents(page)
            # Two new posts at the head before the harvester asks for the next page.
            await node.post("alice", f"new {pages}a")
            await node.post("alice", f"new {pages}b")
            if "next" not in page or pages >= 20:  # bounded
                break
            page = await get(http, page["next"])
            pages += 1
        head = contents(await get(http, (await get(http, alice.outbox))["first"]))

    assert seen == [f"<p>post {n}</p>" for n in reversed(range(17))]  # each once, in order
    # 22 posts in pages of 5 (a page leaves out the followers-only ones it spans).
    assert pages == 5
    assert head == ["<p>new 5b</p>", "<p>new 5a</p>", "<p>new 4b</p>", "<p>new 4a</p>",
                    "<p>new 3b</p>"]  # fmt: skip
