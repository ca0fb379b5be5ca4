"""Peers that misbehave, as the open network has them: down for hours, answering 500 or 429
with Retry-After, hanging past the timeout, closing the connection mid-answer, redirecting in
a loop. A real node delivers to loopback peers in the test process; the clock is walked with
`now=`, never waited for. What is checked is what a trainer or the peer's admin would see:
the post arrives in the end, exactly once, and the peer is not hammered meanwhile.

The delays are the documented ones (FEDERATION.md, Delivery: 30 s doubling, capped at 6 h,
±25 % jitter, Retry-After honoured), written here as numbers, not read from the module.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from compagnon.federation.fetch import FetchError
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Delivery, utcnow
from compagnon.storage.queries import deliveries
from tests.conftest import NodeFactory
from tests.support.nodes import Node, free_port

Answer = Callable[[web.Request], Awaitable[web.StreamResponse]]


def status(code: int, headers: dict[str, str] | None = None) -> Answer:
    async def answer(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, headers=headers)

    return answer


class ScriptedInbox:
    """A peer's shared inbox on a loopback port: the n-th POST gets the n-th answer of the
    script (the last one repeats). `start()` may come late: until then the port is closed,
    as a peer that is down."""

    def __init__(self, *script: Answer) -> None:
        self.script = list(script) or [status(202)]
        self.port = free_port()
        self.posts: list[str] = []  # activity ids, in the order received
        self._runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def receive(self, request: web.Request) -> web.StreamResponse:
        activity = await request.json()
        self.posts.append(str(activity["id"]))
        answer = self.script[min(len(self.posts), len(self.script)) - 1]
        return await answer(request)

    async def start(self) -> ScriptedInbox:
        app = web.Application()
        app.router.add_post("/inbox", self.receive)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@pytest.fixture
async def inboxes() -> AsyncIterator[Callable[..., ScriptedInbox]]:
    made: list[ScriptedInbox] = []

    def make(*script: Answer) -> ScriptedInbox:
        made.append(ScriptedInbox(*script))
        return made[-1]

    yield make
    for inbox in made:
        await inbox.stop()


async def followed_by(node: Node, *peers: ScriptedInbox) -> None:
    await node.create_user("ana")
    for peer in peers:
        await node.add_remote_follower("ana", f"{peer.base}/users/zoe", f"{peer.base}/inbox")


async def the_row(node: Node, uri: str) -> Delivery:
    async with node.sessions() as session:
        rows = await deliveries.for_object(session, uri)
    assert len(rows) == 1
    return rows[0]


def within_jitter(gap: timedelta, seconds: float) -> bool:
    return seconds * 0.75 - 1 <= gap.total_seconds() <= seconds * 1.25 + 1


async def test_peer_down_for_a_day_is_retried_on_the_documented_backoff_then_delivered(
    make_node: NodeFactory, backend: str, inboxes: Callable[..., ScriptedInbox]
) -> None:
    node = await make_node("a", backend=backend)
    peer = inboxes()  # not started: the peer is down
    await followed_by(node, peer)
    note = await node.post("ana", "Posted while the peer is down")

    start = moment = utcnow()
    gaps: list[timedelta] = []
    while moment - start < timedelta(hours=24):
        assert (await node.run_once(now=moment)).retried == 1
        row = await the_row(node, note.uri)
        gaps.append(row.next_attempt_at - moment)
        early = await node.run_once(now=row.next_attempt_at - timedelta(seconds=2))
        assert early.idle, "a retry went out before its time"
        moment = row.next_attempt_at + timedelta(seconds=1)
        assert len(gaps) <= 20, "more tries than a day of backoff allows"

    expected = [min(30 * 2**n, 6 * 3600) for n in range(len(gaps))]  # 30 s doubling, 6 h cap
    assert all(within_jitter(g, e) for g, e in zip(gaps, expected, strict=True)), gaps
    assert 12 <= len(gaps) <= 14  # ~13 tries in a day: the peer is not hammered
    assert row.state == "pending" and row.attempts == len(gaps)

    await peer.start()
    report = await node.run_once(now=moment)
    assert report.delivered == 1
    assert peer.posts == [await the_create(node, note.uri)]  # once, not once per failure
    assert (await the_row(node, note.uri)).state == "delivered"


async def the_create(node: Node, object_uri: str) -> str:
    ids = await node.activities_about(object_uri)
    assert len(ids) == 1
    return ids[0]


async def test_peer_answering_500_is_retried_with_backoff_then_delivered_once(
    make_node: NodeFactory, inboxes: Callable[..., ScriptedInbox]
) -> None:
    node = await make_node("a")
    peer = await inboxes(status(500), status(503), status(202)).start()
    await followed_by(node, peer)
    note = await node.post("ana", "through a flaky peer")

    first = await node.run_once()
    assert first.retried == 1 and len(peer.posts) == 1
    row = await the_row(node, note.uri)
    assert row.last_status == 500 and within_jitter(row.next_attempt_at - utcnow(), 30)
    assert (await node.run_once()).idle  # not due yet: no second POST at once

    second = await node.run_once(now=row.next_attempt_at + timedelta(seconds=1))
    assert second.retried == 1
    row = await the_row(node, note.uri)
    third = await node.run_once(now=row.next_attempt_at + timedelta(seconds=1))
    assert third.delivered == 1
    create = await the_create(node, note.uri)
    assert peer.posts == [create] * 3  # three tries of the same activity, none lost
    row = await the_row(node, note.uri)
    assert row.state == "delivered" and row.attempts == 3


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_429_with_retry_after_is_not_tried_again_before_it(
    make_node: NodeFactory, inboxes: Callable[..., ScriptedInbox], form: str
) -> None:
    node = await make_node("a")
    wait = timedelta(hours=2)  # far beyond the 30 s of the first backoff step
    told = utcnow()
    value = "7200" if form == "seconds" else format_datetime(told + wait, usegmt=True)
    peer = await inboxes(status(429, {"Retry-After": value}), status(202)).start()
    await followed_by(node, peer)
    note = await node.post("ana", "to a peer that asks us to slow down")

    assert (await node.run_once()).retried == 1
    row = await the_row(node, note.uri)
    assert row.next_attempt_at >= told + wait - timedelta(seconds=2)
    assert row.next_attempt_at <= told + wait * 1.25 + timedelta(seconds=2)
    assert (await node.run_once(now=told + wait - timedelta(seconds=5))).idle
    assert len(peer.posts) == 1  # nothing sent inside the window the peer asked for

    assert (await node.run_once(now=row.next_attempt_at + timedelta(seconds=1))).delivered == 1
    assert len(peer.posts) == 2


async def test_a_peer_hanging_past_the_timeout_is_retried_and_holds_up_no_one_else(
    make_node: NodeFactory, inboxes: Callable[..., ScriptedInbox]
) -> None:
    never = asyncio.Event()

    async def hang(_request: web.Request) -> web.StreamResponse:
        await never.wait()  # never set: the peer accepted the connection and went silent
        return web.Response(status=202)

    node = await make_node(
        "a", fetch_connect_timeout=0.5, fetch_read_timeout=0.5, fetch_total_timeout=1.0
    )
    stuck = await inboxes(hang, status(202)).start()
    healthy = await inboxes(status(202)).start()
    await followed_by(node, stuck, healthy)
    note = await node.post("ana", "one peer hangs")

    report = await node.run_once()
    assert report.delivered == 1 and report.retried == 1
    assert len(healthy.posts) == 1
    async with node.sessions() as session:
        rows = {r.host: r for r in await deliveries.for_object(session, note.uri)}
    hung = rows[f"127.0.0.1:{stuck.port}"]
    assert hung.state == "pending" and hung.last_status is None
    assert "within" in (hung.last_error or "") or "timeout" in (hung.last_error or "").lower()

    later = await node.run_once(now=hung.next_attempt_at + timedelta(seconds=1))
    assert later.delivered == 1
    assert len(stuck.posts) == 2 and len(healthy.posts) == 1


class HalfAnswers:
    """A raw TCP peer: reads each request whole, then writes only the start of an answer
    (`cuts`, one per connection, the last one repeating) and closes the connection."""

    def __init__(self, *cuts: bytes) -> None:
        self.cuts = list(cuts)
        self.requests = 0
        self.port = free_port()
        self._server: asyncio.Server | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            self.requests += 1
            writer.write(self.cuts[min(self.requests, len(self.cuts)) - 1])
            await writer.drain()
        writer.close()

    async def __aenter__(self) -> HalfAnswers:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


async def test_a_peer_closing_mid_answer_gets_the_post_again_until_it_says_yes(
    make_node: NodeFactory,
) -> None:
    cut_in_headers = b"HTTP/1.1 202 Acc"
    cut_in_body = b'HTTP/1.1 202 Accepted\r\nContent-Length: 100\r\n\r\n{"sta'
    node = await make_node("a")
    async with HalfAnswers(cut_in_headers, cut_in_body) as peer:
        await node.create_user("ana")
        await node.add_remote_follower("ana", f"{peer.base}/users/zoe", f"{peer.base}/inbox")
        note = await node.post("ana", "to a peer whose connection drops")

        assert (await node.run_once()).retried == 1  # no status line: not known to have it
        row = await the_row(node, note.uri)
        assert row.state == "pending" and row.last_error
        # The status line arrived, then the body was cut: the peer has it; not sent again.
        assert (await node.run_once(now=row.next_attempt_at)).delivered == 1
        assert peer.requests == 2
        later = await node.run_once(now=row.next_attempt_at + timedelta(hours=1))
        assert later.idle and peer.requests == 2


async def test_a_document_cut_mid_body_is_a_clear_fetch_error(make_node: NodeFactory) -> None:
    node = await make_node("a")
    cut = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n"
        b'Content-Length: 500\r\n\r\n{"id": "'
    )
    async with HalfAnswers(cut) as peer:
        assert node.app is not None
        with pytest.raises(FetchError) as caught:
            await node.app[FEDERATION].fetch_signed(f"{peer.base}/users/zoe")
    assert caught.value.status is None and caught.value.reason


async def test_redirect_loops_are_given_up_on_fetch_and_never_followed_on_delivery(
    make_node: NodeFactory, inboxes: Callable[..., ScriptedInbox]
) -> None:
    hits: list[str] = []

    async def loop(request: web.Request) -> web.StreamResponse:
        hits.append(request.path)
        other = "/b" if request.path == "/a" else "/a"
        raise web.HTTPFound(other)

    app = web.Application()
    app.router.add_get("/{name}", loop)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    node = await make_node("a")
    try:
        assert node.app is not None
        with pytest.raises(FetchError) as caught:
            await node.app[FEDERATION].fetch_signed(f"http://127.0.0.1:{port}/a")
    finally:
        await runner.cleanup()
    assert "more than 3 redirects" in caught.value.reason
    assert hits == ["/a", "/b", "/a", "/b"]  # given up after the limit, not looping on

    moved = await inboxes(status(302, {"Location": "/elsewhere"})).start()
    await followed_by(node, moved)
    note = await node.post("ana", "to an inbox that redirects")
    report = await node.run_once()
    assert report.gave_up == 1 and len(moved.posts) == 1  # the redirect was not followed
    row = await the_row(node, note.uri)
    assert row.state == "gave_up" and row.last_status == 302
