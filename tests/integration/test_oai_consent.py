"""Actors that do not consent to indexing (`indexable: false`) are not harvested: their
resources never become OAI records, and when an actor withdraws consent its records turn
into deleted records, so harvesters drop them. Nor are those moderation hides: a suspended
trainer, everyone on a silenced host."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import httpx
import pytest
from sqlalchemy import select

from compagnon.operations import admin as admin_ops
from compagnon.operations import aggregate as aggregate_ops
from compagnon.storage.models import Actor
from tests.conftest import NodeFactory
from tests.support.nodes import settle
from tests.support.oai import NS, ask, error_code, publish_resource, texts
from tests.support.remote_actor import PUBLIC, RemoteActor

JSON = {"Accept": "application/json"}


class Peer(RemoteActor):
    """A remote trainer whose actor document says whether it may be indexed."""

    indexable = True

    def document(self) -> dict[str, Any]:
        return {**super().document(), "indexable": self.indexable}


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    actor = await Peer().start()
    yield actor
    await actor.stop()


def _resource(peer: Peer, n: int) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/activities/create-{n}",
        "type": "Create",
        "actor": peer.uri,
        "to": [PUBLIC],
        "object": {
            "id": f"{peer.base}/oer/{n}",
            "type": ["Note", "LearningResource"],
            "attributedTo": peer.uri,
            "name": f"Peer resource {n}",
            "content": "<p>A worksheet</p>",
            "to": [PUBLIC],
        },
    }


async def test_withdrawn_consent_turns_records_into_deleted_records(
    make_node: NodeFactory, peer: Peer
) -> None:
    node = await make_node("b")
    async with aiohttp.ClientSession() as client:
        assert await peer.post(client, f"{node.base}/inbox", _resource(peer, 1)) == 202
        await settle(node)
        async with httpx.AsyncClient() as http:
            listed = await ask(http, node, "verb=ListIdentifiers&metadataPrefix=oai_dc")
            assert texts(listed, "//oai:identifier") == [f"{peer.base}/oer/1"]

            peer.indexable = False
            update = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{peer.base}/activities/update-1",
                "type": "Update",
                "actor": peer.uri,
                "to": [PUBLIC],
                "object": peer.document(),
            }
            assert await peer.post(client, f"{node.base}/inbox", update) == 202
            await settle(node)
            after = await ask(http, node, "verb=ListIdentifiers&metadataPrefix=oai_dc")
            assert after.xpath("//oai:header/@status", namespaces=NS) == ["deleted"]

            # What it publishes from now on is never a record.
            assert await peer.post(client, f"{node.base}/inbox", _resource(peer, 2)) == 202
            await settle(node)
            uri = quote(f"{peer.base}/oer/2")
            got = await ask(http, node, f"verb=GetRecord&metadataPrefix=oai_dc&identifier={uri}")
            assert error_code(got) == "idDoesNotExist"
            sitemap = (await http.get(f"{node.base}/sitemap.xml")).text
            assert "oer" not in sitemap


async def test_a_suspended_trainer_is_not_handed_on(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    await node.create_user("rui")
    kept = await publish_resource(node, "rui", "Kept")
    await publish_resource(node, "ana", "Hidden while suspended")
    async with node.sessions.begin() as session:
        await admin_ops.set_suspended(session, "ana", True)
    async with httpx.AsyncClient() as http:
        listed = await ask(http, node, "verb=ListIdentifiers&metadataPrefix=oai_dc")
        assert texts(listed, "//oai:identifier") == [kept.uri]
        sitemap = (await http.get(f"{node.base}/sitemap.xml")).text
        assert kept.uri in sitemap and sitemap.count("<loc>") == 2  # the home page and it


async def test_a_trainer_withdrawing_consent_leaves_every_output_and_can_come_back(
    make_node: NodeFactory, backend: str
) -> None:
    """`compagnon indexing nina off` after she published: her records become deleted records,
    and she leaves the sitemap, the hashtag and search feeds, the statistics and the export
    (as a deletion); her own feed stays. `on` brings her back everywhere."""
    node = await make_node("a", backend=backend)
    await node.create_user("ana")
    await node.create_user("nina")
    kept = await publish_resource(node, "ana", "Kept", keywords=("masonry",))
    nina = await publish_resource(node, "nina", "Withdrawn", keywords=("masonry",))

    async def outputs(http: httpx.AsyncClient) -> dict[str, Any]:
        listed = await ask(http, node, "verb=ListIdentifiers&metadataPrefix=oai_dc")
        headers = listed.xpath("//oai:header", namespaces=NS)
        export = (await http.get(f"{node.base}/export/amb")).json()
        return {
            "oai": {h.findtext("oai:identifier", namespaces=NS): h.get("status") for h in headers},
            "sitemap": (await http.get(f"{node.base}/sitemap.xml")).text,
            "tag": (await http.get(f"{node.base}/feeds/tags/masonry.atom")).text,
            "search": (await http.get(f"{node.base}/feeds/search.rss?q=withdrawn")).text,
            "own": (await http.get(f"{node.base}/feeds/users/nina.atom")).text,
            "total": (await http.get(f"{node.base}/statistics.json")).json()["total"],
            "exported": [r["id"] for r in export["records"]],
            "deleted": [d["id"] for d in export["deleted"]],
        }

    async with httpx.AsyncClient() as http:
        before = await outputs(http)
        assert before["oai"] == {kept.uri: None, nina.uri: None}
        assert nina.uri in before["sitemap"] and "Withdrawn" in before["tag"]
        assert before["total"] == 2

        await aggregate_ops.set_indexable(node.settings, "nina", False)
        after = await outputs(http)
        assert after["oai"] == {kept.uri: None, nina.uri: "deleted"}
        assert nina.uri not in after["sitemap"]
        assert "Withdrawn" not in after["tag"] and "Kept" in after["tag"]
        assert "Withdrawn" not in after["search"]
        assert "Withdrawn" in after["own"]  # her own feed, like her profile page
        assert after["total"] == 1
        assert nina.uri not in after["exported"] and nina.uri in after["deleted"]

        await aggregate_ops.set_indexable(node.settings, "nina", True)
        again = await outputs(http)
        assert again["oai"] == {kept.uri: None, nina.uri: None}
        assert nina.uri in again["sitemap"] and "Withdrawn" in again["tag"]
        assert again["total"] == 2
        assert nina.uri in again["exported"]


async def test_a_silenced_host_is_not_handed_on_until_the_silence_is_lifted(
    make_node: NodeFactory, peer: Peer, backend: str
) -> None:
    """Everyone on a silenced host is left out of the harvest, the search and the counts
    (moderation reads the host's actors through their own index: migration 0031); lifting
    the silence brings them back, and the node's own trainers stay throughout."""
    node = await make_node("a", backend=backend)
    await node.create_user("ana")
    own = await publish_resource(node, "ana", "Brickwork basics")
    async with aiohttp.ClientSession() as client:
        assert await peer.post(client, f"{node.base}/inbox", _resource(peer, 1)) == 202
    await settle(node)
    async with node.sessions() as session:
        host = await session.scalar(select(Actor.domain).where(Actor.uri == peer.uri))
    assert host

    async def handed_on(http: httpx.AsyncClient) -> tuple[list[str], int, list[str]]:
        listed = await ask(http, node, "verb=ListIdentifiers&metadataPrefix=oai_dc")
        total = (await http.get(f"{node.base}/statistics.json")).json()["total"]
        answer = await http.get(f"{node.base}/search", params={"q": "worksheet"}, headers=JSON)
        return (
            sorted(texts(listed, "//oai:identifier")),
            total,
            [r["id"] for r in answer.json()["results"]],
        )

    both = sorted([own.uri, f"{peer.base}/oer/1"])
    async with httpx.AsyncClient() as http:
        assert await handed_on(http) == (both, 2, [f"{peer.base}/oer/1"])
        async with node.sessions.begin() as session:
            await admin_ops.set_peer_policy(session, host, "silence")
        assert await handed_on(http) == ([own.uri], 1, [])
        async with node.sessions.begin() as session:
            await admin_ops.set_peer_policy(session, host, "none")
        assert await handed_on(http) == (both, 2, [f"{peer.base}/oer/1"])
