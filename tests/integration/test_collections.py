"""Training modules and learning journeys (issue #9, items 5, 6 and their share of 10): a
module on node A holding a resource of node B reaches B with its items in order, follows
A's Add and Remove, is listed on the page of B's resource and found by search; a journey in
the reference's shape arrives whole (phases, order, outcomes), and catalogue sync imports
both; the CLI names every mistake."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from compagnon.domain.collections import Module
from compagnon.operations import collections as ops
from compagnon.server.templating import view_url
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.resources import QUIZ, WELDING, publish_resource

JSON = {"Accept": "application/json"}
ACTIVITY_JSON = {"Accept": "application/activity+json"}
JOURNEY_FILE = (
    Path(__file__).parent.parent / "fixtures" / "reference" / "learning-journey.example.json"
)


def _items(shown: dict[str, object], phase: str = "") -> list[str]:
    phases = shown["phases"]
    assert isinstance(phases, dict)
    return [item["uri"] for item in phases[phase]["items"]]


async def _search(node: Node, **params: str) -> list[str]:
    async with httpx.AsyncClient(base_url=node.base) as http:
        answer = (await http.get("/search", params=params, headers=JSON)).json()
    return [result["id"] for result in answer["results"]]


async def test_a_module_with_a_remote_item_follows_add_and_remove_on_the_peer(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    remote = await publish_resource(b, "bruno", WELDING)  # B's resource, in A's module
    local = await publish_resource(a, "ana", QUIZ)
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)

    module = Module(
        title="Welding safety toolkit",
        language="en",
        description="What to read and do before the first weld.",
        items=(remote.uri, local.uri),
        license="CC BY-SA 4.0",
    )
    uri = await ops.publish(a.settings, "ana", module, "public")
    await settle(a, b)
    assert _items(await ops.show(b.settings, uri)) == [remote.uri, local.uri]
    copy = await b.object(uri)
    assert copy is not None and copy.type == "Module" and copy.raw is not None
    assert copy.raw["type"] == ["Note", "OrderedCollection"] and "summary" not in copy.raw

    # Add at the front, then Remove: each reaches B and B keeps A's order.
    extra = "https://elsewhere.example/oer/flashback-arrestors"
    await ops.change_item(a.settings, "ana", uri, extra, add=True, position=1)
    await settle(a, b)
    assert _items(await ops.show(b.settings, uri)) == [extra, remote.uri, local.uri]
    copy = await b.object(uri)
    assert copy is not None and copy.content.index(extra) < copy.content.index(remote.uri)
    await ops.change_item(a.settings, "ana", uri, remote.uri, add=False)
    await settle(a, b)
    assert _items(await ops.show(b.settings, uri)) == [extra, local.uri]
    await ops.change_item(a.settings, "ana", uri, remote.uri, add=True)
    await settle(a, b)
    assert _items(await ops.show(b.settings, uri)) == [extra, local.uri, remote.uri]

    async with httpx.AsyncClient() as http:
        # On the author's profile the module is shown open, not folded behind its description
        # as if that were a content warning.
        page = await http.get(f"{a.base}/@ana")
        assert "Welding safety toolkit" in page.text and 'class="warning"' not in page.text
        # B's resource page lists the module it is part of (held on B, published on A),
        # linked to B's own page of it.
        page = await http.get(remote.uri, headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert f'href="{view_url(uri)}"' in page.text and "Welding safety toolkit" in page.text
        # A's module page: every item linked, with its title where A knows it.
        page = await http.get(uri, headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert QUIZ.title in page.text  # A does not hold B's resource: its URL is shown
        assert page.text.index(extra) < page.text.index(QUIZ.title)
        assert page.text.index(QUIZ.title) < page.text.index(f'href="{remote.uri}"')
        sent = (await http.get(uri, headers=ACTIVITY_JSON)).json()
        assert sent["orderedItems"] == [extra, local.uri, remote.uri]

    # Listed in search on both nodes, with the type facet "module".
    assert await _search(a, type="module") == [uri]
    async with httpx.AsyncClient(base_url=b.base) as http:
        page = await http.get("/search", params={"q": "toolkit"})
        assert "Training module" in page.text and view_url(uri) in page.text
    assert await _search(b, q="welding toolkit") == [uri]
    assert uri not in await _search(b, type="worksheet")

    # An edit and a delete follow.
    await ops.edit(a.settings, "ana", uri, "Module", {"title": "Welding safety kit"})
    await settle(a, b)
    assert (await ops.show(b.settings, uri))["title"] == "Welding safety kit"
    await ops.delete(a.settings, "ana", uri, "Module")
    await settle(a, b)
    gone = await b.object(uri)
    assert gone is not None and gone.deleted_at is not None
    assert await _search(b, type="module") == []
    async with httpx.AsyncClient() as http:
        page = await http.get(remote.uri, headers={"Accept": "text/html"})
        assert view_url(uri) not in page.text


async def test_a_journey_arrives_whole_and_catalogue_sync_imports_it(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    journey = ops.journey_from_file(JOURNEY_FILE, "en")
    uri = await ops.publish(a.settings, "ana", journey, "public")
    await settle(a, b)

    reference = json.loads(JOURNEY_FILE.read_text())
    expected = {
        key: (phase["orderedItems"], phase["educationalCredentialAwarded"])
        for key, phase in zip(("before", "during", "after"), reference["orderedItems"], strict=True)
    }
    here = await ops.show(a.settings, uri)
    there = await ops.show(b.settings, uri)
    assert here == there
    shown = {
        key: ([i["uri"] for i in entry["items"]], entry["outcome"])
        for key, entry in there["phases"].items()
    }
    assert shown == expected
    assert there["phases"]["during"]["name"] == reference["orderedItems"][1]["name"]
    assert await _search(b, type="journey") == [uri]

    # A centre that follows later imports the journey from A's outbox.
    c = await make_node("c", backend=backend)
    await c.create_user("carla")
    await c.follow("carla", f"ana@{a.domain}")
    await settle(a, c)
    assert await ops.show(c.settings, uri) == here
    assert await _search(c, type="journey") == [uri]

    async with httpx.AsyncClient() as http:
        page = await http.get(uri, headers={"Accept": "text/html"})
    assert page.status_code == 200
    for items, outcome in expected.values():
        assert f'href="{outcome}"' in page.text
        for item in items:
            assert f'href="{item}"' in page.text
    assert page.text.index("Before departure") < page.text.index("After return")


def cli(tmp_path: Path, *argv: str) -> list[str]:
    return [*argv, "--config", f"{tmp_path}/node.toml", "--data-dir", f"{tmp_path}/data"]


async def test_the_cli_makes_modules_and_journeys_and_names_every_mistake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from compagnon.cli import main

    def run(*argv: str) -> str:
        main(cli(tmp_path, *argv))
        return capsys.readouterr().out.strip()

    async def fails(*argv: str) -> str:
        with pytest.raises(SystemExit) as failed:
            await asyncio.to_thread(run, *argv)
        return str(failed.value)

    await asyncio.to_thread(run, "user", "create", "ana")
    one, two = "https://x.example/oer/1", "https://x.example/oer/2"
    uri = await asyncio.to_thread(
        run, "module", "create", "ana", "--title", "Kitchen safety", "--item", one, "--item", two
    )
    assert uri.startswith("http")
    out = await asyncio.to_thread(run, "module", "add", "ana", uri, "https://x.example/oer/0",
                                  "--position", "1")  # fmt: skip
    assert out.splitlines() == ["1. https://x.example/oer/0", f"2. {one}", f"3. {two}"]
    out = await asyncio.to_thread(run, "module", "remove", "ana", uri, one)
    assert out.splitlines() == ["1. https://x.example/oer/0", f"2. {two}"]
    assert "(2 items)" in await asyncio.to_thread(run, "module", "list", "ana")
    assert two in await asyncio.to_thread(run, "module", "show", uri)

    assert "is already in the module" in await fails("module", "add", "ana", uri, two)
    assert "position goes from 1 to 3" in await fails(
        "module", "add", "ana", uri, "https://x.example/9", "--position", "7"
    )
    assert "is not in the module" in await fails("module", "remove", "ana", uri, one)
    assert "not an http(s) URL" in await fails("module", "add", "ana", uri, "javascript:x")
    assert "There is no module at" in await fails("module", "add", "ana", "https://n/o", two)
    mistakes = await fails(
        "module", "create", "ana", "--title", " ", "--item", "ftp://x", "--item", one,
        "--item", one, "--language", "english!",
    )  # fmt: skip
    assert "A title is needed." in mistakes
    assert "Item 1 of the module is not an http(s) URL" in mistakes
    assert f"{one} is listed twice in the module." in mistakes
    assert "BCP 47" in mistakes

    journey = await asyncio.to_thread(run, "journey", "create", "ana", str(JOURNEY_FILE))
    shown = await asyncio.to_thread(run, "journey", "show", journey)
    assert "[before]" in shown and "[after]" in shown and "outcome: https://" in shown
    changed = json.loads(JOURNEY_FILE.read_text())
    changed["orderedItems"][2]["orderedItems"].reverse()
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed))
    out = await asyncio.to_thread(run, "journey", "update", "ana", journey, str(path))
    assert out == f"updated: {journey}"
    shown = await asyncio.to_thread(run, "journey", "show", journey)
    after = changed["orderedItems"][2]["orderedItems"]
    assert shown.index(after[0]) < shown.index(after[1])  # the new order
    assert journey in await asyncio.to_thread(run, "journey", "list", "ana")
    bad = json.loads(JOURNEY_FILE.read_text())
    bad["orderedItems"][0]["id"] = "https://x.example/j/during"
    bad["orderedItems"][1]["educationalCredentialAwarded"] = "not a url"
    bad["orderedItems"][2]["orderedItems"] = ["mailto:x@y"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    mistakes = await fails("journey", "create", "ana", str(path))
    assert "The phase during is given twice." in mistakes
    assert "The outcome of the phase during is not an http(s) URL" in mistakes
    assert "Item 1 of the phase after is not an http(s) URL" in mistakes
    path.write_text("{not json")
    assert "is not JSON" in await fails("journey", "create", "ana", str(path))
    assert "Cannot read" in await fails("journey", "create", "ana", str(tmp_path / "none.json"))
    path.write_text(json.dumps({"type": "Note"}))
    assert "OrderedCollection" in await fails("journey", "create", "ana", str(path))
    out = await asyncio.to_thread(run, "journey", "delete", "ana", journey)
    assert out == f"deleted: {journey}"
    assert "There is no journey at" in await fails("journey", "delete", "ana", journey)
