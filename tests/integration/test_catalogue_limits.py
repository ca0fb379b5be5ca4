"""A followed actor whose outbox never ends cannot fill the disk: a catalogue sync reads at
most `catalogue_sync_max_items` items (and pages, bytes, pages with nothing to import) per
actor, notices a `next` that loops back, and stops with a reason the admin reads in
`compagnon catalogue status`; the job stays stopped until the admin raises the limit or asks
for a walk from the top. A runaway sync never holds the worker's other work back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from compagnon.cli import main
from compagnon.federation import catalogue
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Object, SyncJob
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import sync_jobs
from tests.conftest import NodeFactory
from tests.support.nodes import Node, free_port, settle

AP = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PAGE = 20  # items on each page of the endless outbox


class EndlessPeer:
    """A bare ActivityPub server whose actor's outbox never ends: page n links page n + 1.

    kind "fresh": every page holds 20 notes never seen before; "empty": pages hold nothing;
    "loop": page 3 links back to page 1. It counts the outbox pages it served."""

    def __init__(self, kind: str = "fresh", padding: int = 0) -> None:
        self.kind = kind
        self.padding = padding  # characters of content per note (to weigh pages)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.actor = f"{self.base}/users/endless"
        self.outbox = f"{self.actor}/outbox"
        self.served = 0
        self.server: TestServer | None = None

    def note(self, n: int) -> dict[str, Any]:
        return {
            "id": f"{self.base}/notes/{n}",
            "type": "Note",
            "attributedTo": self.actor,
            "content": f"<p>Note {n}</p>" + "x" * self.padding,
            "to": [PUBLIC],
        }

    def page(self, n: int) -> dict[str, Any]:
        numbers = range((n - 1) * PAGE + 1, n * PAGE + 1)
        if self.kind == "empty":
            numbers = range(0)
        following = 1 if self.kind == "loop" and n == 3 else n + 1
        return {
            "id": f"{self.outbox}?page={n}",
            "type": "OrderedCollectionPage",
            "partOf": self.outbox,
            "orderedItems": [
                {
                    "id": f"{self.base}/activities/{i}",
                    "type": "Create",
                    "actor": self.actor,
                    "object": self.note(i),
                }
                for i in numbers
            ],
            "next": f"{self.outbox}?page={following}",
        }

    def routes(self) -> web.RouteTableDef:
        routes = web.RouteTableDef()

        def doc(body: dict[str, Any]) -> web.Response:
            return web.json_response(body, content_type=AP)

        @routes.get("/users/endless")
        async def actor(_: web.Request) -> web.Response:
            return doc(
                {
                    "id": self.actor,
                    "type": "Person",
                    "preferredUsername": "endless",
                    "inbox": f"{self.actor}/inbox",
                    "outbox": self.outbox,
                    "followers": f"{self.actor}/followers",
                }
            )

        @routes.get("/users/endless/outbox")
        async def outbox(request: web.Request) -> web.Response:
            self.served += 1
            page = request.query.get("page")
            if page is None:
                return doc(
                    {
                        "id": self.outbox,
                        "type": "OrderedCollection",
                        "first": f"{self.outbox}?page=1",
                    }
                )
            return doc(self.page(int(page)))

        return routes

    async def __aenter__(self) -> EndlessPeer:
        app = web.Application()
        app.add_routes(self.routes())
        self.server = TestServer(app, host="127.0.0.1", port=self.port)
        await self.server.start_server()
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        await self.server.close()


@pytest.fixture
async def endless() -> AsyncIterator[EndlessPeer]:
    async with EndlessPeer() as peer:
        yield peer


async def job_of(node: Node, actor_uri: str) -> SyncJob:
    async with node.sessions() as session:
        actor = await actor_queries.by_uri(session, actor_uri)
        assert actor is not None
        job = await sync_jobs.by_actor(session, actor.id)
    assert job is not None
    return job


async def held(node: Node, peer: EndlessPeer) -> set[str]:
    async with node.sessions() as session:
        rows = await session.scalars(
            select(Object.uri).where(Object.uri.startswith(f"{peer.base}/"))
        )
    return set(rows)


def cli(node: Node, tmp_path: Path, *args: str) -> list[str]:
    """`compagnon ARGS` against the node's database, with the node's own limits (node.toml is
    what the CLI and the server share in a real install)."""
    settings = node.settings
    return [
        *args,
        "--config", str(tmp_path / "absent.toml"),
        "--database-url", settings.resolved_database_url,
        "--domain", settings.domain,
        "--allow-private-addresses",
        "--catalogue-sync-max-items", str(settings.catalogue_sync_max_items),
    ]  # fmt: skip


async def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    await asyncio.to_thread(main, argv)
    return capsys.readouterr().out


async def test_an_outbox_that_never_ends_stops_at_the_items_limit_and_stays_stopped(
    make_node: NodeFactory,
    backend: str,
    endless: EndlessPeer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    b = await make_node("b", backend=backend, catalogue_sync_max_items=250)
    assert b.app is not None
    await catalogue.queue_sync(b.app[FEDERATION], endless.actor)
    await settle(b)

    # The first 12 pages of the stream (240 notes): page 13 would pass 250 and is refused
    # whole; nothing after it is fetched.
    assert await held(b, endless) == {f"{endless.base}/notes/{n}" for n in range(1, 241)}
    assert endless.served == 14  # the outbox and 13 pages
    job = await job_of(b, endless.actor)
    assert (job.state, job.stopped_by, job.items, job.imported) == (
        "stopped", "catalogue_sync_max_items", 240, 240
    )  # fmt: skip
    status = await run_cli(cli(b, tmp_path, "catalogue", "status"), capsys)
    assert status == (
        f"stopped\t240 imported\t0 skipped\t0 already held\t{endless.actor}"
        "\tstopped after 240 items: the limit per actor is 250 (catalogue_sync_max_items)\n"
    )

    # A re-sync (another Accept, or the command without --full) leaves it stopped.
    out = await run_cli(cli(b, tmp_path, "catalogue", "sync", endless.actor), capsys)
    assert out.startswith("stopped\t240 imported") and "raise catalogue_sync_max_items" in out
    await catalogue.queue_sync(b.app[FEDERATION], endless.actor)
    assert (await b.run_once()).idle
    assert len(await held(b, endless)) == 240 and endless.served == 14

    # The admin raises the limit (node.toml, restart) and syncs again: it goes on from the
    # page it refused (13, then 14 and 15) and stops at the new limit.
    await b.stop()
    b.settings = b.settings.replace(catalogue_sync_max_items=300)
    await b.start()
    await catalogue.queue_sync(b.app[FEDERATION], endless.actor)
    await settle(b)
    assert await held(b, endless) == {f"{endless.base}/notes/{n}" for n in range(1, 301)}
    assert endless.served == 14 + 3
    job = await job_of(b, endless.actor)
    assert (job.state, job.imported, job.items) == ("stopped", 300, 300)
    status = await run_cli(cli(b, tmp_path, "catalogue", "status"), capsys)
    assert status.endswith(
        "\tstopped after 300 items: the limit per actor is 300 (catalogue_sync_max_items)\n"
    )

    # --full walks again from the top, under the same limit: nothing new, stopped again.
    again = cli(b, tmp_path, "catalogue", "sync", endless.actor, "--full", "--now")
    out = await run_cli(again, capsys)
    assert out.startswith(f"stopped\t0 imported\t0 skipped\t300 already held\t{endless.actor}")
    assert len(await held(b, endless)) == 300


@pytest.mark.parametrize(
    ("kind", "limits", "stopped_by", "reason", "stored", "served"),
    [
        # empty pages, each linking the next: the outbox itself, then 4 empty pages
        ("empty", {"catalogue_sync_max_empty_pages": 5}, "catalogue_sync_max_empty_pages",
         "stopped after 5 pages in a row with nothing to import "
         "(catalogue_sync_max_empty_pages)", 0, 5),
        # page 3 links back to page 1: found within about twice the loop (Brent's method)
        ("loop", {}, "repeated_page",
         "stopped: the outbox links back to a page already read ({outbox}?page=3)", 60, 6),
        ("fresh", {"catalogue_sync_max_pages": 4}, "catalogue_sync_max_pages",
         "stopped after 4 pages: the limit per actor is 4 (catalogue_sync_max_pages)", 60, 4),
        # each page weighs ~25 KB: the fourth would pass 90 KB, and is refused whole
        ("fresh", {"catalogue_sync_max_bytes": 90_000}, "catalogue_sync_max_bytes",
         "stopped after {bytes} bytes: the limit per actor is 90,000 "
         "(catalogue_sync_max_bytes)", 60, 5),
    ],
)  # fmt: skip
async def test_a_runaway_outbox_is_stopped_with_the_reason_shown(
    make_node: NodeFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    limits: dict[str, int],
    stopped_by: str,
    reason: str,
    stored: int,
    served: int,
) -> None:
    async with EndlessPeer(kind, padding=1000) as peer:
        b = await make_node("b", **limits)
        assert b.app is not None
        await catalogue.queue_sync(b.app[FEDERATION], peer.actor)
        await settle(b)
        job = await job_of(b, peer.actor)
        assert (job.state, job.stopped_by) == ("stopped", stopped_by)
        assert len(await held(b, peer)) == stored
        assert peer.served == served
        status = await run_cli(cli(b, tmp_path, "catalogue", "status"), capsys)
        shown = reason.format(outbox=peer.outbox, bytes=f"{job.bytes_read:,}")
        assert status.rstrip("\n").endswith("\t" + shown)


async def test_a_runaway_sync_leaves_inbound_work_and_deliveries_their_share_of_each_pass(
    make_node: NodeFactory, endless: EndlessPeer
) -> None:
    a = await make_node("a")
    b = await make_node("b", catalogue_sync_pages_per_pass=4)
    await a.create_user("ana")
    await b.create_user("bruno")
    assert b.app is not None
    await catalogue.queue_sync(b.app[FEDERATION], endless.actor)
    await a.follow("ana", f"bruno@{b.domain}")
    await a.run_once()  # the Follow lands in b's inbox (pending there)
    await b.follow("bruno", f"ana@{a.domain}")  # a delivery due at b

    report = await b.run_once()
    # One pass: the Follow applied (and its Accept sent), bruno's Follow delivered, and the
    # endless outbox only its share of pages.
    assert (report.processed, report.failed) == (1, 0)
    assert report.delivered == 2
    assert report.sync.pages == 4 and report.sync.imported == 3 * PAGE
    assert len(await held(b, endless)) == 3 * PAGE  # the outbox document and 3 pages


async def test_no_new_page_is_started_once_the_pass_time_is_up(
    make_node: NodeFactory, endless: EndlessPeer
) -> None:
    # A peer that takes its time over every page holds the worker for one page per pass
    # (plus at most one fetch), not for pages_per_pass pages: with no time at all, one page.
    b = await make_node("b", catalogue_sync_seconds_per_pass=0.0)
    assert b.app is not None
    await catalogue.queue_sync(b.app[FEDERATION], endless.actor)
    for _ in range(3):
        assert (await b.run_once()).sync.pages == 1
    assert endless.served == 3
    async with b.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Object))
    assert count == 2 * PAGE


async def test_a_sync_stopped_at_a_limit_is_not_walked_again_by_the_next_accepted_follow(
    make_node: NodeFactory,
) -> None:
    from tests.integration.test_catalogue_sync import publish_catalogue, remote_objects

    a = await make_node("a", outbox_page_size=PAGE)
    b = await make_node("b", catalogue_sync_max_items=30)
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.create_user("chiara")
    await publish_catalogue(a, "ana")  # 45 items: 3 pages of 20
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    ana = f"{a.base}/users/ana"
    job = await job_of(b, ana)
    assert (job.state, job.imported, job.stopped_by) == ("stopped", 20, "catalogue_sync_max_items")

    await b.follow("chiara", f"ana@{a.domain}")  # accepted: the Accept re-queues the sync
    await settle(a, b)
    again = await job_of(b, ana)
    assert (again.state, again.imported, again.pages) == ("stopped", 20, job.pages)
    assert len(await remote_objects(b, a.domain)) == 20
