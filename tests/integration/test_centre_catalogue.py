"""Following a centre brings the centre's whole catalogue: the centre actor announces its
trainers' public resources, its outbox pages those Announces, and an aggregator that follows
only the centre imports every trainer's resources, then hears of new ones, edits and
deletions. Two nodes over real HTTP with real signatures."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest
from sqlalchemy import delete, select

from compagnon.cli import main
from compagnon.federation.outbox import publish
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Activity, Actor, Object, utcnow
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import consent, provenance
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.resources import QUIZ

AP = "application/activity+json"


async def publish_titled(node: Node, username: str, title: str, visibility: str = "public") -> str:
    assert node.app is not None
    async with node.sessions.begin() as session:
        author = await actor_queries.local_by_username(session, username)
        assert author is not None
        resource = dataclasses.replace(QUIZ, title=title, keywords=("masonry",))
        obj = await publish.publish_resource(
            session, node.app[FEDERATION].urls, author, resource, visibility=visibility
        )
        return obj.uri


async def edit_title(node: Node, uri: str, title: str) -> None:
    assert node.app is not None
    async with node.sessions.begin() as session:
        obj = await session.scalar(select(Object).where(Object.uri == uri))
        assert obj is not None
        author = await session.get(Actor, obj.actor_id)
        assert author is not None
        resource = dataclasses.replace(QUIZ, title=title, keywords=("masonry",))
        await publish.update_resource(session, node.app[FEDERATION].urls, author, obj, resource)


async def route_of(node: Node, uri: str) -> tuple[str, str, str | None]:
    async with node.sessions() as session:
        found = await provenance.of_object(session, uri)
    assert found is not None and found[1] is not None
    return found[1].route, found[1].origin_host, found[1].via


async def held_titles(node: Node, domain: str) -> dict[str, str]:
    async with node.sessions() as session:
        rows = await session.execute(
            select(Object.uri, Object.name).where(
                Object.is_local.is_(False),
                Object.uri.contains(domain),
                Object.type == "LearningResource",
                Object.deleted_at.is_(None),
            )
        )
    return {uri: name or "" for uri, name in rows}


def cli_args(node: Node) -> list[str]:
    return [
        "--data-dir", node.settings.data_dir, "--database-url", node.settings.database_url,
        "--domain", node.domain, "--scheme", "http", "--node-kind", node.settings.node_kind,
        "--member-list-url", node.settings.member_list_url, "--allow-private-addresses",
    ]  # fmt: skip


async def test_following_a_centre_imports_every_trainers_resources_and_keeps_them_current(
    make_node: NodeFactory, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = await make_node("a", backend=backend, outbox_page_size=3)
    b = await make_node("b", backend=backend)
    for name in ("ana", "carla"):
        await a.create_user(name)
    earlier = [
        await publish_titled(a, name, f"Bricklaying {name} {n}")
        for name in ("ana", "carla")
        for n in range(3)
    ]
    unlisted = await publish_titled(a, "ana", "Not for the catalogue", visibility="unlisted")
    await a.post("ana", "A post is not a catalogue record")

    # The centre's outbox pages its trainers' public resources (Announces, 3 a page).
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": AP}) as http:
        outbox = (await http.get("/users/centre/outbox")).json()
        assert outbox["totalItems"] == 6
        first = (await http.get(outbox["first"])).json()
    assert [i["type"] for i in first["orderedItems"]] == ["Announce"] * 3
    assert first["orderedItems"][0]["object"]["id"] == earlier[-1]
    assert "next" in first

    # An aggregator follows the centre only, and gets every trainer's resources.
    await b.create_user("national")
    await b.follow("national", f"centre@{a.domain}")
    await settle(a, b)
    held = await held_titles(b, a.domain)
    assert set(held) == set(earlier)
    assert unlisted not in held
    async with b.sessions() as session:
        authors = {
            uri
            for (uri,) in await session.execute(
                select(Actor.uri)
                .join(Object, Object.actor_id == Actor.id)
                .where(Object.uri.in_(earlier))
            )
        }
    assert authors == {f"{a.base}/users/ana", f"{a.base}/users/carla"}

    # A new trainer's new resource reaches the centre's followers as the centre's Announce.
    await a.create_user("dario")
    fresh = await publish_titled(a, "dario", "Plastering basics")
    await settle(a, b)
    assert (await held_titles(b, a.domain))[fresh] == "Plastering basics"

    # B keeps where each record came from, and shows it on the record's page.
    assert await route_of(b, earlier[0]) == ("catalogue", a.domain, f"{a.base}/users/centre")
    assert await route_of(b, fresh) == ("centre", a.domain, f"{a.base}/users/centre")
    async with httpx.AsyncClient(base_url=b.base) as http:
        page = await http.get("/resource", params={"uri": fresh})
    assert f"Received via the centre&#39;s announce from {a.domain}" in page.text
    await asyncio.to_thread(main, ["catalogue", "provenance", earlier[0], *cli_args(b)])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"Received via catalogue sync from {a.domain}; first seen ")
    assert out[1] == f"through {a.base}/users/centre"
    await asyncio.to_thread(main, ["catalogue", "provenance", *cli_args(b)])
    summary = capsys.readouterr().out.splitlines()
    assert f"{a.domain}\tcatalogue\t6" in summary and f"{a.domain}\tcentre\t1" in summary

    # Edits and deletions reach them too (B follows none of the trainers).
    await edit_title(a, earlier[0], "Bricklaying, revised")
    await a.delete(earlier[1])
    await settle(a, b)
    now = await held_titles(b, a.domain)
    assert now[earlier[0]] == "Bricklaying, revised"
    assert earlier[1] not in now

    # The centre's outbox no longer counts the deleted one; the newest comes first.
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": AP}) as http:
        outbox = (await http.get("/users/centre/outbox")).json()
        assert outbox["totalItems"] == 6
        items = (await http.get(outbox["first"])).json()["orderedItems"]
    assert fresh == items[0]["object"]["id"]
    # The centre's page lists what it hands on, here and on the aggregator.
    async with httpx.AsyncClient(base_url=a.base) as http:
        page = (await http.get("/users/centre", headers={"Accept": "text/html"})).text
    assert "Plastering basics" in page and "Bricklaying, revised" in page
    assert "Nothing published yet" not in page
    async with httpx.AsyncClient(base_url=b.base) as http:
        there = (await http.get(f"/@centre@{a.domain}")).text
    assert "Plastering basics" in there

    # A suspended trainer's resources leave the centre's catalogue.
    async with a.sessions.begin() as session:
        carla = await actor_queries.local_by_username(session, "carla")
        assert carla is not None
        carla.suspended_at = utcnow()
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": AP}) as http:
        outbox = (await http.get("/users/centre/outbox")).json()
        items = (await http.get(outbox["first"])).json()["orderedItems"]
    assert outbox["totalItems"] == 3
    assert {i["object"]["attributedTo"] for i in items} == {
        f"{a.base}/users/ana",
        f"{a.base}/users/dario",
    }


async def test_the_announce_command_hands_on_what_was_published_before(
    make_node: NodeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    a = await make_node("a")
    await a.create_user("ana")
    before = await publish_titled(a, "ana", "Published before the centre announced")
    async with a.sessions.begin() as session:  # as on a node upgraded from before
        await session.execute(delete(Activity).where(Activity.type == "Announce"))
    args = cli_args(a)
    await asyncio.to_thread(main, ["catalogue", "announce", *args])
    assert capsys.readouterr().out == "The centre announced 1 resource to its followers.\n"
    await asyncio.to_thread(main, ["catalogue", "announce", *args])
    assert capsys.readouterr().out == "The centre announced 0 resources to its followers.\n"
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": AP}) as http:
        outbox = (await http.get("/users/centre/outbox")).json()
        first = (await http.get(outbox["first"])).json()
    assert outbox["totalItems"] == 1
    assert first["orderedItems"][0]["object"]["id"] == before


async def test_an_actor_who_does_not_consent_to_indexing_is_held_but_never_listed(
    make_node: NodeFactory, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = await make_node("a", backend=backend)
    b = await make_node("b", backend=backend)
    await a.create_user("ana")
    await a.create_user("nina")
    await asyncio.to_thread(main, ["indexing", "nina", "off", *cli_args(a)])  # nina opts out
    assert capsys.readouterr().out == "nina is no longer listed, harvested or counted by name\n"
    listed = await publish_titled(a, "ana", "Masonry arches")
    private = await publish_titled(a, "nina", "Masonry vaults")
    async with httpx.AsyncClient(headers={"Accept": AP}) as http:
        nina_doc = (await http.get(f"{a.base}/users/nina")).json()
    assert nina_doc["indexable"] is False and nina_doc["discoverable"] is False

    await b.create_user("national")
    await b.follow("national", f"centre@{a.domain}")
    await settle(a, b)
    assert set(await held_titles(b, a.domain)) == {listed, private}  # held: she is followed
    async with httpx.AsyncClient(base_url=b.base) as http:
        found_json = (
            await http.get(
                "/search", params={"q": "masonry"}, headers={"Accept": "application/json"}
            )
        ).json()
    assert [hit["id"] for hit in found_json["results"]] == [listed]
    async with b.sessions() as session:
        assert await consent.may_list_object(session, listed)
        assert not await consent.may_list_object(session, private)
        opted = set((await session.execute(consent.non_consenting_actors())).scalars())
        nina_here = await actor_queries.by_uri(session, f"{a.base}/users/nina")
    assert nina_here is not None and opted == {nina_here.id}
