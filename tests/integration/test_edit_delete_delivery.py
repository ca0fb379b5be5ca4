"""What an edit and a delete send (FEDERATION.md, "Activities we send"), between real nodes:
a `Delete` goes only to the inboxes that received the object and cancels the deliveries still
queued for the others; an `Update` goes to the object's addressing now, plus every inbox that
received the original."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import orjson
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from compagnon.storage.models import Activity, Delivery, utcnow
from compagnon.storage.queries import deliveries
from tests.conftest import NodeFactory
from tests.integration.test_resilience import followed_by
from tests.support.nodes import Node, free_port, settle

AP = {"Accept": "application/activity+json"}


async def sent(node: Node, activity_type: str) -> dict[str, str]:
    """inbox → state of the deliveries of `activity_type` activities queued on `node`."""
    async with node.sessions() as session:
        rows = await session.execute(
            select(Delivery.inbox, Delivery.state)
            .join(Activity, Activity.id == Delivery.activity_id)
            .where(Activity.type == activity_type)
        )
    return {inbox: state for inbox, state in rows}


async def test_a_delete_cancels_the_deliveries_still_queued(
    make_node: NodeFactory, backend: str
) -> None:
    a, b, c = [await make_node(name, backend=backend) for name in "abc"]
    await followed_by(a, b, c)
    await b.stop()

    note = await a.post("ana", "posted while b is down, deleted before b is back")
    await a.run_once()  # c gets it; b is down: its delivery waits for a retry
    async with a.sessions() as session:
        states = {r.inbox: r.state for r in await deliveries.for_object(session, note.uri)}
    assert states == {f"{b.base}/inbox": "pending", f"{c.base}/inbox": "delivered"}
    await a.delete(note.uri)

    await b.start()
    await settle(a, b, c, now=utcnow() + timedelta(days=1))  # any retry would be due by then
    assert await sent(a, "Create") == {
        f"{b.base}/inbox": "cancelled",
        f"{c.base}/inbox": "delivered",
    }
    assert await sent(a, "Delete") == {f"{c.base}/inbox": "delivered"}
    assert await b.object(note.uri) is None  # b never saw the post, nor its Delete
    assert await b.activities_about(note.uri) == []
    gone = await c.object(note.uri)
    assert gone is not None and gone.deleted_at is not None and gone.content == ""


async def test_a_post_deleted_before_the_worker_ran_is_sent_to_nobody(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await followed_by(a, b)
    note = await a.post("ana", "deleted at once")
    await a.delete(note.uri)
    await settle(a, b)
    assert await sent(a, "Create") == {f"{b.base}/inbox": "cancelled"}
    assert await sent(a, "Delete") == {}
    assert await b.object(note.uri) is None and await b.activities_about(note.uri) == []


async def test_two_edits_before_the_worker_ran_send_only_the_newest(
    make_node: NodeFactory,
) -> None:
    """Deliveries run side by side: the first edit's Update could arrive after the second's
    and put the old text back. The newer Update cancels the older one still waiting."""
    a, b = await make_node("a"), await make_node("b")
    await followed_by(a, b)
    note = await a.post("ana", "first text")
    await settle(a, b)
    await a.edit(note.uri, "second text")
    await a.edit(note.uri, "third text")
    async with a.sessions() as session:
        states = sorted(
            state
            for (state,) in await session.execute(
                select(Delivery.state)
                .join(Activity, Activity.id == Delivery.activity_id)
                .where(Activity.type == "Update")
            )
        )
    assert states == ["cancelled", "pending"]
    await settle(a, b)
    copy = await b.object(note.uri)
    assert copy is not None and "third text" in copy.content


async def test_an_update_reaches_every_inbox_that_received_the_original(
    make_node: NodeFactory, backend: str
) -> None:
    a, b, c, d = [await make_node(name, backend=backend) for name in "abcd"]
    await followed_by(a, b, c, d)
    note = await a.post("ana", "First version")
    await settle(a, b, c, d)
    for peer in (b, c, d):
        assert await peer.object(note.uri) is not None
    await d.unfollow("reader", f"{a.base}/users/ana")  # d got the original, then left
    await settle(a, d)

    await a.edit(note.uri, "Second version")
    await settle(a, b, c, d)
    assert await sent(a, "Update") == {f"{p.base}/inbox": "delivered" for p in (b, c, d)}
    for peer in (b, c, d):
        copy = await peer.object(note.uri)
        assert copy is not None and "Second version" in copy.content, peer.name


class DeletingInbox:
    """A follower's inbox on a bare loopback server. While the Create is on the wire to it (the
    POST received, not yet answered), the author deletes the post: the race a busy node runs
    into when a trainer deletes a post the worker is sending at that moment."""

    def __init__(self, author_node: Node) -> None:
        self.author_node = author_node
        self.received: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        activity = orjson.loads(await request.read())
        self.received.append(activity)
        if activity["type"] == "Create":
            await self.author_node.delete(activity["object"]["id"])
        return web.json_response({}, status=202)


async def test_a_delete_reaches_an_inbox_the_create_was_on_its_way_to(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("ana")
    inbox = DeletingInbox(a)
    app = web.Application()
    app.router.add_post("/inbox", inbox.handle)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        base = f"http://127.0.0.1:{server.port}"
        await a.add_remote_follower("ana", f"{base}/users/zoe", f"{base}/inbox")
        note = await a.post("ana", "deleted while on its way")
        await settle(a)
    finally:
        await server.close()
    # The Create got there: so must the Delete, or the post lives on at the follower.
    assert [(x["type"], x["object"]["id"]) for x in inbox.received] == [
        ("Create", note.uri),
        ("Delete", note.uri),
    ]


async def test_an_update_that_overtakes_its_create_does_not_leave_the_old_version(
    make_node: NodeFactory,
) -> None:
    """The Update reaches a follower before the Create does (here: the Create waits for its
    retry; on a busy node both are sent at once): the follower ignores an Update of a post it
    does not hold, so the Create that comes after must carry the edited text."""
    a, b = await make_node("a"), await make_node("b")
    await followed_by(a, b)
    await b.stop()
    note = await a.post("ana", "First version")
    await a.run_once()  # b is down: the Create waits for its retry
    await a.edit(note.uri, "Second version")
    await b.start()
    await a.run_once()  # only the Update is due: it arrives first and is ignored
    await settle(a, b)
    assert await b.object(note.uri) is None
    await settle(a, b, now=utcnow() + timedelta(hours=1))  # the Create's retry

    copy = await b.object(note.uri)
    assert copy is not None and "Second version" in copy.content
    async with httpx.AsyncClient() as http:  # the outbox (catalogue sync) shows it too
        outbox = (await http.get(f"{a.base}/users/ana/outbox", headers=AP)).json()
        first = (await http.get(outbox["first"], headers=AP)).json()
    assert [item["object"]["content"] for item in first["orderedItems"]] == [
        "<p>Second version</p>"
    ]
