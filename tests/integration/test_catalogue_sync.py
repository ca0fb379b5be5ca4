"""Catalogue sync on follow: the aggregator follows a centre and, after the Accept, its worker
pages through the centre's outbox and imports everything public it published before, once;
a centre that is down is retried; junk in an outbox is skipped and counted; two workers never
import the same page."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from compagnon.cli import main
from compagnon.federation import catalogue
from compagnon.federation.outbox import publish
from compagnon.server.keys import FEDERATION
from compagnon.server.worker import Worker
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Object, SyncJob, TimelineEntry, utcnow
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import sync_jobs
from tests.conftest import NodeFactory
from tests.support.nodes import Node, free_port, settle
from tests.support.resources import QUIZ

AP = "application/activity+json"
RESOURCES, POSTS = 30, 15  # 45 public items: three pages of A's outbox at 20 a page
PAGE = 20


async def publish_catalogue(node: Node, username: str) -> list[str]:
    """What a centre published before anyone followed it: resources and posts, public, and a
    followers-only and a direct post that no outbox may show."""
    assert node.app is not None
    urls = node.app[FEDERATION].urls
    uris: list[str] = []
    async with node.sessions.begin() as session:
        author = await actor_queries.local_by_username(session, username)
        assert author is not None
        for n in range(RESOURCES):
            resource = dataclasses.replace(QUIZ, title=f"Welding module {n}", keywords=("weld",))
            uris.append((await publish.publish_resource(session, urls, author, resource)).uri)
    for n in range(POSTS):
        uris.append((await node.post(username, f"Workshop news {n}")).uri)
    return uris


async def job_of(node: Node, actor_uri: str) -> SyncJob:
    async with node.sessions() as session:
        actor = await actor_queries.by_uri(session, actor_uri)
        assert actor is not None
        job = await sync_jobs.by_actor(session, actor.id)
    assert job is not None
    return job


async def remote_objects(node: Node, author_domain: str) -> list[Object]:
    async with node.sessions() as session:
        rows = await session.execute(
            select(Object).where(Object.is_local.is_(False), Object.uri.contains(author_domain))
        )
    return list(rows.scalars())


async def test_following_a_centre_imports_its_earlier_public_catalogue_once(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = (
        await make_node("a", backend=backend, outbox_page_size=PAGE),
        await make_node("b", backend=backend),
    )
    await a.create_user("ana")
    bruno = await b.create_user("bruno")
    published = await publish_catalogue(a, "ana")
    private = await a.post("ana", "For my followers only", visibility="followers")
    await b.create_user("chiara")
    direct = await a.post(
        "ana", f"@chiara@{b.domain} a word", visibility="direct", mentions=[f"chiara@{b.domain}"]
    )
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)

    held = {o.uri: o for o in await remote_objects(b, a.domain)}
    # The direct post reached chiara by delivery, not by the sync; the followers-only post
    # was published before bruno followed and is in no outbox.
    assert set(held) - {direct.uri} == set(published)
    assert private.uri not in held
    resources = [o for o in held.values() if o.type == "LearningResource"]
    assert len(resources) == RESOURCES
    assert all("Welding module" in o.content and o.visibility == "public" for o in resources)
    job = await job_of(b, f"{a.base}/users/ana")
    assert (job.state, job.imported, job.known, job.skipped) == ("done", 45, 0, 0)
    assert job.last_error is None
    async with b.sessions() as session:
        entries = await session.scalar(
            select(func.count())
            .select_from(TimelineEntry)
            .join(Object, Object.id == TimelineEntry.object_id)
            .where(Object.uri.in_(published))
        )
    assert entries == 45  # bruno's home timeline, as if each had been delivered
    assert bruno.id
    # The imported resources are in B's search, as if each had been delivered.
    async with httpx.AsyncClient(base_url=b.base) as http:
        found = await http.get(
            "/search", params={"q": "welding module"}, headers={"Accept": "application/json"}
        )
    assert found.json()["matches"] == RESOURCES

    # Syncing again (on demand) imports nothing twice and stops once pages bring nothing new.
    assert b.app is not None
    await catalogue.queue_sync(b.app[FEDERATION], f"ana@{a.domain}")
    await settle(a, b)
    again = await job_of(b, f"{a.base}/users/ana")
    assert (again.state, again.imported, again.full) == ("done", 0, False)
    # The outbox, then two quiet pages (the first shows 18: two of its 20 are not public).
    assert again.pages == 3 and again.known == 18 + 20
    assert len(await remote_objects(b, a.domain)) == len(held)


async def test_a_sync_interrupted_by_the_centre_going_down_resumes_where_it_stopped(
    make_node: NodeFactory, backend: str
) -> None:
    a = await make_node("a", backend=backend, outbox_page_size=PAGE)
    b = await make_node("b", backend=backend, catalogue_sync_pages_per_pass=1)
    await a.create_user("ana")
    await b.create_user("bruno")
    published = await publish_catalogue(a, "ana")
    await b.follow("bruno", f"ana@{a.domain}")
    await b.run_once()  # the Follow delivered
    await settle(a)  # a applies it and delivers its Accept to b
    await b.run_once()  # Accept applied, sync queued; the outbox document read
    await b.run_once()  # the first page: 20 items
    actor_uri = f"{a.base}/users/ana"
    assert (await job_of(b, actor_uri)).imported == 20

    await a.stop()
    report = await b.run_once()
    assert report.sync.retried == 1 and report.sync.imported == 0
    job = await job_of(b, actor_uri)
    assert job.state == "pending" and job.attempts == 1 and job.last_error
    assert "cannot connect" in job.last_error
    assert job.next_attempt_at > utcnow()

    await a.start()
    assert (await b.run_once()).idle  # not due yet: the centre is not hammered
    await settle(a, b, now=job.next_attempt_at + timedelta(seconds=1))
    job = await job_of(b, actor_uri)
    assert (job.state, job.imported, job.known, job.attempts) == ("done", 45, 0, 0)
    assert job.last_error is None
    assert {o.uri for o in await remote_objects(b, a.domain)} == set(published)


# --- a peer that serves junk --------------------------------------------------------------


class JunkPeer:
    """A bare ActivityPub server (not a Compagnon) whose outbox mixes good items with junk;
    its second page is broken until `mended` is set."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.actor = f"{self.base}/users/junk"
        self.mended = False
        self.server: TestServer | None = None

    def note(self, n: int, **changes: Any) -> dict[str, Any]:
        return {
            "id": f"{self.base}/notes/{n}",
            "type": "Note",
            "attributedTo": self.actor,
            "content": f"<p>Good note {n}</p><script>alert(1)</script>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            **changes,
        }

    def create(self, n: int, obj: Any, **changes: Any) -> dict[str, Any]:
        return {
            "id": f"{self.base}/activities/{n}",
            "type": "Create",
            "actor": self.actor,
            "object": obj,
            **changes,
        }

    def routes(self) -> web.RouteTableDef:
        routes = web.RouteTableDef()

        def doc(body: dict[str, Any]) -> web.Response:
            return web.json_response(body, content_type=AP)

        @routes.get("/users/junk")
        async def actor(_: web.Request) -> web.Response:
            return doc(
                {
                    "id": self.actor,
                    "type": "Person",
                    "preferredUsername": "junk",
                    "inbox": f"{self.actor}/inbox",
                    "outbox": f"{self.actor}/outbox",
                    "followers": f"{self.actor}/followers",
                }
            )

        @routes.get("/users/junk/outbox")
        async def outbox(request: web.Request) -> web.Response:
            outbox_id = f"{self.actor}/outbox"
            if request.query.get("page") == "2":
                if not self.mended:
                    return web.Response(text="<html>oops{", content_type=AP)
                return doc(
                    {
                        "id": f"{outbox_id}?page=2",
                        "type": "OrderedCollectionPage",
                        "orderedItems": [self.create(20, self.note(20))],
                    }
                )
            # GoToSocial's shape: the first page embedded in the collection.
            good = [self.create(n, self.note(n)) for n in (1, 2)]
            junk = [
                self.create(3, self.note(3, id="https://elsewhere.example/notes/3")),
                self.create(4, self.note(4, attributedTo="http://127.0.0.1:9/users/mallory")),
                self.create(5, f"{self.base}/notes/5"),  # a bare object id
                self.create(6, self.note(6), actor="http://127.0.0.1:9/users/mallory"),
                self.create(7, self.note(7, to=[], cc=[])),  # a direct message
                f"{self.base}/activities/8",
                42,
                None,
                {"type": "Announce", "actor": self.actor, "object": "https://x.example/1"},
            ]
            return doc(
                {
                    "id": outbox_id,
                    "type": "OrderedCollection",
                    "totalItems": 12,
                    "first": {
                        "id": f"{outbox_id}?page=1",
                        "type": "OrderedCollectionPage",
                        "orderedItems": good + junk,
                        "next": f"{outbox_id}?page=2",
                    },
                }
            )

        @routes.get("/users/odd")
        async def odd_actor(_: web.Request) -> web.Response:
            return doc(
                {
                    "id": f"{self.base}/users/odd",
                    "type": "Person",
                    "inbox": f"{self.base}/users/odd/inbox",
                    "outbox": f"{self.base}/users/odd/outbox",
                }
            )

        @routes.get("/users/odd/outbox")
        async def odd_outbox(_: web.Request) -> web.Response:
            return doc({"id": f"{self.base}/users/odd/outbox", "type": "OrderedCollection",
                        "first": f"{self.base}/notes/1"})  # fmt: skip

        @routes.get("/notes/1")
        async def a_note(_: web.Request) -> web.Response:
            return doc(self.note(1))

        return routes

    async def __aenter__(self) -> JunkPeer:
        app = web.Application()
        app.add_routes(self.routes())
        self.server = TestServer(app, host="127.0.0.1", port=self.port)
        await self.server.start_server()
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        await self.server.close()


@pytest.fixture
async def junk_peer() -> AsyncIterator[JunkPeer]:
    async with JunkPeer() as peer:
        yield peer


async def test_junk_in_an_outbox_is_skipped_and_counted_and_a_broken_page_retried(
    make_node: NodeFactory, junk_peer: JunkPeer
) -> None:
    b = await make_node("b")
    assert b.app is not None
    await catalogue.queue_sync(b.app[FEDERATION], junk_peer.actor)
    await settle(b)
    job = await job_of(b, junk_peer.actor)
    assert (job.state, job.imported, job.skipped, job.attempts) == ("pending", 2, 9, 1)
    assert job.last_error and "invalid JSON" in job.last_error
    assert job.next_url == f"{junk_peer.actor}/outbox?page=2"  # resumes at the broken page

    junk_peer.mended = True
    await settle(b, now=job.next_attempt_at + timedelta(seconds=1))
    job = await job_of(b, junk_peer.actor)
    assert (job.state, job.imported, job.skipped, job.last_error) == ("done", 3, 9, None)
    held = {o.uri: o for o in await remote_objects(b, f"127.0.0.1:{junk_peer.port}")}
    assert set(held) == {f"{junk_peer.base}/notes/{n}" for n in (1, 2, 20)}
    assert "<script>" not in held[f"{junk_peer.base}/notes/1"].content  # sanitised


async def test_an_outbox_page_that_is_not_a_collection_page_ends_the_job(
    make_node: NodeFactory, junk_peer: JunkPeer
) -> None:
    b = await make_node("b")
    assert b.app is not None
    actor_uri, _ = await catalogue.queue_sync(b.app[FEDERATION], f"{junk_peer.base}/users/odd")
    await settle(b)
    job = await job_of(b, actor_uri)
    assert job.state == "failed" and job.imported == 0
    assert job.last_error == f"{junk_peer.base}/notes/1 is not a collection page (Note)"


# --- several workers ----------------------------------------------------------------------


async def test_two_workers_never_import_the_same_page(make_node: NodeFactory, backend: str) -> None:
    a, b = (
        await make_node("a", backend=backend, outbox_page_size=PAGE),
        await make_node("b", backend=backend),
    )
    await a.create_user("ana")
    await b.create_user("bruno")
    published = await publish_catalogue(a, "ana")
    assert b.app is not None
    ctx = b.app[FEDERATION]
    actor_uri, job_id = await catalogue.queue_sync(ctx, f"ana@{a.domain}")

    # w1 claims the job and stalls past its lease; w2 takes the job over and finishes it.
    async with b.sessions.begin() as session:
        (stale,) = await sync_jobs.claim_due(session, "w1", 5, catalogue.LEASE)
    later = utcnow() + catalogue.LEASE + timedelta(seconds=1)
    w2, w3 = Worker(ctx, name="w2"), Worker(ctx, name="w3")
    reports = await asyncio.gather(w2.run_once(now=later), w3.run_once(now=later))
    assert sorted(r.sync.pages for r in reports)[0] == 0  # one of them found nothing to claim
    for _ in range(5):
        await w2.run_once(now=later)
        await w3.run_once(now=later)
    # w1 wakes up and goes on with its stale claim: its page is refused and rolled back.
    late = await catalogue.JobRunner(ctx, "w1").run(stale, 3, utcnow())
    assert late.pages == 0 and late.imported == 0

    job = await job_of(b, actor_uri)
    assert (job.id, job.state, job.imported, job.known) == (job_id, "done", 45, 0)
    assert sorted(o.uri for o in await remote_objects(b, a.domain)) == sorted(published)


async def test_due_sync_jobs_go_to_exactly_one_worker(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    try:
        await upgrade(engine)
        async with sessions.begin() as session:
            for n in range(40):
                actor = await actor_queries.upsert_remote(
                    session,
                    {
                        "uri": f"http://centre{n}.test/users/c",
                        "type": "Organization",
                        "username": "c",
                        "domain": f"centre{n}.test",
                        "inbox": f"http://centre{n}.test/inbox",
                    },
                )
                await sync_jobs.queue(session, actor.id, f"http://centre{n}.test/users/c/outbox")

        async def claim(worker: str) -> list[int]:
            taken: list[int] = []
            for _ in range(8):
                async with sessions.begin() as session:
                    rows = await sync_jobs.claim_due(session, worker, 3, catalogue.LEASE)
                taken.extend(r.id for r in rows)
            return taken

        results = await asyncio.gather(*(claim(f"w{n}") for n in range(3)))
        everything = [i for taken in results for i in taken]
        assert len(everything) == 40 and len(set(everything)) == 40
        async with sessions.begin() as session:
            assert await sync_jobs.release_claims(session, "w0") == len(results[0])
            again = await sync_jobs.claim_due(session, "w9", 100, catalogue.LEASE)
        assert sorted(r.id for r in again) == sorted(results[0])
    finally:
        await engine.dispose()


async def test_catalogue_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_node: NodeFactory
) -> None:
    a = await make_node("a", outbox_page_size=PAGE)
    await a.create_user("ana")
    published = await publish_catalogue(a, "ana")
    args = [
        "--config", str(tmp_path / "node.toml"), "--data-dir", str(tmp_path / "data"),
        "--allow-private-addresses", "--domain", f"127.0.0.1:{free_port()}",
    ]  # fmt: skip
    await asyncio.to_thread(main, ["catalogue", "status", *args])
    assert capsys.readouterr().out == "no catalogue sync jobs\n"

    await asyncio.to_thread(main, ["catalogue", "sync", f"ana@{a.domain}", *args])
    out = capsys.readouterr().out
    assert (
        out
        == f"queued: {a.base}/users/ana (the worker imports it; see `compagnon catalogue status`)\n"
    )
    await asyncio.to_thread(main, ["catalogue", "status", *args])
    assert capsys.readouterr().out.startswith("pending\t0 imported\t0 skipped")

    await asyncio.to_thread(main, ["catalogue", "sync", f"{a.base}/users/ana", "--now", *args])
    out = capsys.readouterr().out
    assert out.endswith(
        f"done\t{len(published)} imported\t0 skipped\t0 already held\t{a.base}/users/ana\n"
    )
    await asyncio.to_thread(main, ["catalogue", "status", *args])
    assert capsys.readouterr().out.startswith(f"done\t{len(published)} imported")
    with pytest.raises(SystemExit, match="WebFinger lookup of nobody@"):
        await asyncio.to_thread(main, ["catalogue", "sync", f"nobody@{a.domain}", *args])
