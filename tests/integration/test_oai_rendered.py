"""Each OAI record's metadata is rendered once and stored (handover/rendered.py): pages read
the stored bytes, the answers stay valid, and what changes the metadata (the resource, its
author's name, this node's address or name) gives the next harvest the new metadata."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from sqlalchemy import select, update

from compagnon.operations import profile
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import HandoverRecord
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.support.nodes import Node
from tests.support.oai import NS, ask, publish_resource, texts


async def _stored(node: Node) -> list[tuple[bytes | None, bytes | None]]:
    async with node.sessions() as session:
        rows = await session.execute(select(HandoverRecord.oai_dc, HandoverRecord.lom))
        return [(dc, lom) for dc, lom in rows]


async def test_metadata_is_stored_at_first_read_and_follows_the_authors_name(
    make_node: NodeFactory, backend: str
) -> None:
    a = await make_node("a", backend=backend)
    await a.create_user("ana")
    quiz = await publish_resource(a, "ana", "Licensing quiz")
    assert await _stored(a) == [(None, None)]  # publishing renders nothing
    async with httpx.AsyncClient() as http:
        first = await ask(http, a, "verb=ListRecords&metadataPrefix=oai_dc")
        assert texts(first, "//dc:title") == ["Licensing quiz"]
        [(dc, lom)] = await _stored(a)
        assert dc is not None and b"Licensing quiz" in dc  # stored
        assert lom is None  # the format not asked costs nothing
        again = await ask(http, a, "verb=ListRecords&metadataPrefix=oai_dc")
        metadata = "//oai:metadata/oai_dc:dc"
        assert [x.text for x in again.xpath(f"{metadata}/*", namespaces=NS)] == [
            x.text for x in first.xpath(f"{metadata}/*", namespaces=NS)
        ]
        one = await ask(http, a, f"verb=GetRecord&metadataPrefix=lom&identifier={quote(quiz.uri)}")
        assert texts(one, "//lom:general/lom:title/lom:string") == ["Licensing quiz"]
        [(dc_then, lom)] = await _stored(a)
        assert dc_then == dc and lom is not None and b"Licensing quiz" in lom  # both kept

        assert len(texts(first, "//dc:creator")) == 1
        assert texts(first, "//dc:creator") != ["Ana Lima"]
        async with a.sessions.begin() as session:
            ana = await actor_queries.local_by_username(session, "ana")
            assert ana is not None and a.app is not None
            await profile.update_profile(
                session, a.app[FEDERATION].urls, ana, display_name="Ana Lima", summary=""
            )
        renamed = await ask(http, a, "verb=ListRecords&metadataPrefix=oai_dc")
        assert texts(renamed, "//dc:creator") == ["Ana Lima"]


async def test_a_rendering_made_for_another_node_is_not_served(
    make_node: NodeFactory, backend: str
) -> None:
    """As after a change of the node's domain or name: the stored rendering names the old
    one, so it is rendered again."""
    a = await make_node("a", backend=backend)
    await a.create_user("ana")
    await publish_resource(a, "ana", "Licensing quiz")
    async with httpx.AsyncClient() as http:
        await ask(http, a, "verb=ListRecords&metadataPrefix=lom")
        async with a.sessions.begin() as session:
            await session.execute(
                update(HandoverRecord).values(
                    oai_dc=b"<old/>", lom=b"<old/>", rendered_for="another-node"
                )
            )
        answer = await ask(http, a, "verb=ListRecords&metadataPrefix=oai_dc")  # valid
        assert texts(answer, "//dc:title") == ["Licensing quiz"]
        assert texts(answer, "//dc:identifier")[-1].startswith(a.base)
    # Neither the format read again nor the other one still names the old node.
    assert all(b"<old/>" not in (dc or b"") + (lom or b"") for dc, lom in await _stored(a))


async def test_text_that_looks_like_a_splice_marker_stays_text(
    make_node: NodeFactory, backend: str
) -> None:
    """The stored metadata goes into the answer in place of marker comments: a title that
    reads like one is escaped text, never a place to splice."""
    a = await make_node("a", backend=backend)
    await a.create_user("ana")
    await publish_resource(a, "ana", "<!--m0--> and <!--m1-->")
    await publish_resource(a, "ana", "Second")
    async with httpx.AsyncClient() as http:
        for _ in range(2):  # rendered now, then read back stored
            answer = await ask(http, a, "verb=ListRecords&metadataPrefix=oai_dc")
            assert texts(answer, "//dc:title") == ["<!--m0--> and <!--m1-->", "Second"]


async def test_the_worker_renders_records_ahead_of_harvests(
    make_node: NodeFactory, backend: str
) -> None:
    """In its idle time the worker stores each record's oai_dc metadata, so the first
    harvest reads bytes; what it stores is what a harvest would have made."""
    a = await make_node("a", backend=backend)
    await a.create_user("ana")
    for title in ("Licensing quiz", "Welding safety", "Tiles of Porto"):
        await publish_resource(a, "ana", title)
    assert await _stored(a) == [(None, None)] * 3
    report = await a.run_once()
    assert report.rendered == 3
    stored = await _stored(a)
    assert all(dc is not None and lom is None for dc, lom in stored)  # oai_dc only
    assert (await a.run_once()).rendered == 0  # the walk found nothing more: it rests
    async with httpx.AsyncClient() as http:
        harvested = await ask(http, a, "verb=ListRecords&metadataPrefix=oai_dc")
        assert sorted(texts(harvested, "//dc:title")) == [
            "Licensing quiz",
            "Tiles of Porto",
            "Welding safety",
        ]
        async with a.sessions.begin() as session:  # as a harvest of a changed record would
            await session.execute(update(HandoverRecord).values(oai_dc=None, rendered_for=None))
        again = await ask(http, a, "verb=ListRecords&metadataPrefix=oai_dc")
    assert sorted(texts(again, "//dc:title")) == sorted(texts(harvested, "//dc:title"))
    # The same bytes (sorted: an UPDATE may change the order rows come back in).
    assert sorted(dc or b"" for dc, _ in await _stored(a)) == sorted(dc or b"" for dc, _ in stored)


async def test_rendering_ahead_can_be_turned_off(make_node: NodeFactory) -> None:
    a = await make_node("a", oai_render_ahead=False)
    await a.create_user("ana")
    await publish_resource(a, "ana", "Licensing quiz")
    assert (await a.run_once()).rendered == 0
    assert await _stored(a) == [(None, None)]
