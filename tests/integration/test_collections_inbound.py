"""What a peer that follows the reference to the letter sends us: a Create of a bare
`OrderedCollection` (shared/reference/learning-journey.example.json, no Note in its type),
and plain AS2 Add / Remove with the module named by id only. And what we refuse: a Create of
a collection that is no module or journey, an Add to someone else's module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from compagnon.domain.collections import Module
from compagnon.operations import collections as ops
from compagnon.storage.models import Activity
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.remote_actor import PUBLIC, RemoteActor

JOURNEY_FILE = (
    Path(__file__).parent.parent / "fixtures" / "reference" / "learning-journey.example.json"
)


def _on_host(value: Any, old: str, new: str) -> Any:
    """The reference document with its ids moved onto the test peer's host."""
    return json.loads(json.dumps(value).replace(old, new))


def _activity(peer: RemoteActor, n: int, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/activities/{kind.lower()}-{n}",
        "type": kind,
        "actor": peer.uri,
        "to": [PUBLIC],
        "object": obj,
        **extra,
    }


async def _outcome(node: Node, activity_id: str) -> str | None:
    """Why the worker did not apply an activity (None when it did)."""
    async with node.sessions() as session:
        row = await session.scalar(select(Activity).where(Activity.uri == activity_id))
    assert row is not None
    return row.error


@pytest.fixture
async def peer() -> Any:
    actor = await RemoteActor().start()
    yield actor
    await actor.stop()


async def test_a_reference_journey_and_plain_add_remove_from_a_peer(
    make_node: NodeFactory, backend: str, peer: RemoteActor
) -> None:
    node = await make_node("b", backend=backend)
    inbox = f"{node.base}/inbox"
    reference = json.loads(JOURNEY_FILE.read_text())
    journey = _on_host(reference, "https://cfp-lisboa.example.org", peer.base)
    journey.update(attributedTo=peer.uri, to=[PUBLIC])
    module = {
        "id": f"{peer.base}/modules/1",
        "type": "OrderedCollection",
        "attributedTo": peer.uri,
        "name": "Kitchen hygiene",
        "to": [PUBLIC],
        "totalItems": 1,
        "orderedItems": [f"{peer.base}/oer/1"],
    }
    outbox_like = {"id": f"{peer.base}/lists/2", "type": "OrderedCollection", "totalItems": 0}
    async with aiohttp.ClientSession() as http:
        for n, obj in enumerate((journey, module, outbox_like)):
            assert await peer.post(http, inbox, _activity(peer, n, "Create", obj)) == 202
        plain_add = _activity(peer, 1, "Add", f"{peer.base}/oer/2", target=module["id"])
        remove = _activity(peer, 2, "Remove", f"{peer.base}/oer/1", target=module["id"])
        for activity in (plain_add, remove):
            assert await peer.post(http, inbox, activity) == 202
            await settle(node)
    await settle(node)

    shown = await ops.show(node.settings, journey["id"])
    assert shown["kind"] == "Journey"
    assert [key for key in shown["phases"]] == ["before", "during", "after"]
    for key, phase in zip(("before", "during", "after"), journey["orderedItems"], strict=True):
        entry = shown["phases"][key]
        assert [item["uri"] for item in entry["items"]] == phase["orderedItems"]
        assert entry["outcome"] == phase["educationalCredentialAwarded"]
        assert entry["name"] == phase["name"]
    kept = await ops.show(node.settings, module["id"])
    assert [item["uri"] for item in kept["phases"][""]["items"]] == [f"{peer.base}/oer/2"]
    why = await _outcome(node, f"{peer.base}/activities/create-2")
    assert why == "ignored: a Create of a OrderedCollection is not a post: not stored"
    with pytest.raises(ops.OperationError):
        await ops.show(node.settings, outbox_like["id"])


async def test_an_add_to_someone_elses_module_changes_nothing(
    make_node: NodeFactory, backend: str, peer: RemoteActor
) -> None:
    a = await make_node("a", backend=backend)
    await a.create_user("ana")
    uri = await ops.publish(
        a.settings,
        "ana",
        Module(title="Mine", language="en", items=("https://x.example/1",)),
        "public",
    )
    await settle(a)
    add = _activity(peer, 9, "Add", f"{peer.base}/spam", target=uri)
    async with aiohttp.ClientSession() as http:
        assert await peer.post(http, f"{a.base}/inbox", add) == 202
    await settle(a)
    shown = await ops.show(a.settings, uri)
    assert [item["uri"] for item in shown["phases"][""]["items"]] == ["https://x.example/1"]
    why = await _outcome(a, add["id"])
    assert why == "ignored: Add to someone else's module"
