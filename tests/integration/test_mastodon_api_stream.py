"""Live updates and edit history through the Mastodon client API, driven by Mastodon.py
(server-sent events) and aiohttp's WebSocket client (the form Elk, Phanpy and masto.js use)
over real HTTP on loopback: a stream hears a post edited (`status.update`) and deleted
(`delete`), ours and a peer's; a hashtag stream hears what carries the tag and nothing else;
the user stream carries every kind of notification; `/history` lists each version; followers
and following are read page by page; a post's page links to its earlier versions.

Streams poll the database once a second: each wait below is a bounded receive (30 s), never
a sleep; the worker is driven with settle()."""

from __future__ import annotations

import queue
import re
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import aiohttp
import httpx
import orjson
import pytest
from mastodon import StreamListener
from mastodon.errors import MastodonAPIError, MastodonNotFoundError
from sqlalchemy import func, select

from compagnon.storage.models import StatusEdit
from tests.conftest import NodeFactory
from tests.support.mastodon_app import call, sign_in_app
from tests.support.nodes import settle
from tests.support.resources import WELDING, publish_resource

WAIT = 30  # seconds a receive may wait: the streams look every second


class Heard(StreamListener):  # type: ignore[misc]
    """What Mastodon.py's stream reader thread hears, as (event, payload) in a queue."""

    def __init__(self, *, notifications_only: bool = False) -> None:
        super().__init__()
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.notifications_only = notifications_only
        self.open = threading.Event()

    def on_update(self, status: Any) -> None:
        if not self.notifications_only:
            self.events.put(("update", status))

    def on_status_update(self, status: Any) -> None:
        if not self.notifications_only:
            self.events.put(("status.update", status))

    def on_delete(self, status_id: Any) -> None:
        if not self.notifications_only:
            self.events.put(("delete", status_id))

    def on_notification(self, notification: Any) -> None:
        self.events.put(("notification", notification))

    def handle_heartbeat(self) -> None:
        # The node's first bytes are a comment, written once the stream's cursor is placed.
        self.open.set()

    async def next(self) -> tuple[str, Any]:
        return await call(self.events.get, timeout=WAIT)

    async def opened(self) -> None:
        """Mastodon.py's `run_async` returns before it connects; what happens before the
        stream is open is not heard, so a test waits for the node's first bytes."""
        assert await call(self.open.wait, WAIT)


def close_later(stream: Any) -> None:
    # Not waited for: requests' close waits for the reader thread's next bytes (the next
    # heartbeat); the node's stop at teardown ends the connection anyway.
    threading.Thread(target=stream.close, daemon=True).start()


async def ws_next(ws: aiohttp.ClientWebSocketResponse) -> tuple[list[str], str, Any]:
    message = await ws.receive_json(timeout=WAIT)
    event = message["event"]
    payload = message["payload"] if event == "delete" else orjson.loads(message["payload"])
    return message["stream"], event, payload


async def test_streams_hear_edits_and_deletions_of_a_local_and_a_remote_post(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await a.follow("maria", f"joao@{b.domain}")
    await settle(a, b)
    api, _id, _secret = await sign_in_app(a, "maria")
    user = Heard()
    stream = await call(api.stream_user, user, run_async=True)
    await user.opened()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"{a.base}/api/v1/streaming?access_token={api.access_token}") as ws,
        ):
            await ws.send_json({"type": "subscribe", "stream": "public"})

            async def both(event: str, status_id: str) -> Any:
                """The next event on maria's home stream (SSE) and on the public one (WS)
                is `event` about `status_id`: nothing else came before it."""
                kind, payload = await user.next()
                heard_id = str(payload) if kind == "delete" else payload.id
                assert (kind, heard_id) == (event, status_id)
                where, kind, public = await ws_next(ws)
                assert where == ["public"]
                assert (kind, public if kind == "delete" else public["id"]) == (event, status_id)
                return payload

            mine = await call(api.status_post, "Grinder discs: check the expiry date")
            await both("update", mine.id)
            theirs_uri = (await b.post("joao", "Mortar: 1 part cement, 4 parts sand")).uri
            await settle(a, b)
            [theirs] = [s for s in await call(api.timeline_home) if s.uri == theirs_uri]
            await both("update", theirs.id)

            # Edits: maria's from her app, twice; joao's on his node, twice, arriving by Update.
            await call(api.status_update, mine.id, "Grinder discs: check the date on the label")
            edited = await both("status.update", mine.id)
            assert "date on the label" in edited.content and edited.edited_at is not None
            await call(
                api.status_update,
                mine.id,
                "Grinder discs: never past the date on the label",
                spoiler_text="Safety",
            )
            edited = await both("status.update", mine.id)
            assert "never past" in edited.content and edited.spoiler_text == "Safety"
            await b.edit(theirs_uri, "Mortar: 1 part cement, 3 parts sand")
            await settle(a, b)
            edited = await both("status.update", theirs.id)
            assert "3 parts sand" in edited.content
            await b.edit(theirs_uri, "Mortar: 1 part cement, 3 parts sand; wet the bricks")
            await settle(a, b)
            edited = await both("status.update", theirs.id)
            assert "wet the bricks" in edited.content

            # Each post has its three versions, oldest first.
            versions = await call(api.status_history, mine.id)
            assert [v.content for v in versions] == [
                "<p>Grinder discs: check the expiry date</p>",
                "<p>Grinder discs: check the date on the label</p>",
                "<p>Grinder discs: never past the date on the label</p>",
            ]
            assert [v.spoiler_text for v in versions] == ["", "", "Safety"]
            assert [v.sensitive for v in versions] == [False, False, True]
            assert versions[0].created_at == mine.created_at
            assert versions[0].created_at < versions[1].created_at < versions[2].created_at
            assert all(v.account.acct == "maria" and v.media_attachments == [] for v in versions)
            versions = await call(api.status_history, theirs.id)
            assert [
                next(w for w in ("4 parts", "3 parts sand<", "wet the bricks") if w in v.content)
                for v in versions
            ] == ["4 parts", "3 parts sand<", "wet the bricks"]
            assert all(v.account.acct == f"joao@{b.domain}" for v in versions)

            # Deletions: maria's from her app, joao's on his node, arriving by Delete.
            await call(api.status_delete, mine.id)
            assert str(await both("delete", mine.id)) == str(mine.id)  # the id, as text
            await b.delete(theirs_uri)
            await settle(a, b)
            await both("delete", theirs.id)
            # Gone with the posts: their earlier versions.
            async with a.sessions() as session:
                assert await session.scalar(select(func.count()).select_from(StatusEdit)) == 0
            with pytest.raises(MastodonNotFoundError):
                await call(api.status_history, mine.id)
    finally:
        close_later(stream)


def resource_without_welding() -> Any:
    return replace(
        WELDING,
        title="Copper pipe: soldering a joint",
        url="https://cfp.example.org/copper-joint",
        keywords=("plumbing",),
        isced_field="0732",
        occupations=(),
        teaches=(),
        assesses=(),
    )


async def test_a_hashtag_stream_hears_what_carries_the_tag_and_nothing_else(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await a.follow("maria", f"joao@{b.domain}")
    await settle(a, b)
    api, _id, _secret = await sign_in_app(a, "maria")
    sse = Heard()
    stream = await call(api.stream_hashtag, "Welding", sse, run_async=True)  # any case
    await sse.opened()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(
                f"{a.base}/api/v1/streaming?access_token={api.access_token}"
                "&stream=hashtag&tag=welding"
            ) as ws,
        ):
            await ws.send_json({"type": "subscribe", "stream": "hashtag:local", "tag": "#welding"})
            await ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": "bad tag!"})

            # First a resource without the tag, then one with it: the first thing heard on
            # each stream is the second (the stream goes by id: the first would come first).
            await publish_resource(a, "maria", resource_without_welding())
            ours = await publish_resource(a, "maria", WELDING)
            kind, status = await sse.next()
            assert kind == "update" and status.uri == ours.uri
            assert "welding" in [t.name.lower() for t in status.tags]
            heard = {}
            for _ in range(2):
                where, kind, payload = await ws_next(ws)
                assert kind == "update" and payload["uri"] == ours.uri
                heard[tuple(where)] = payload
            assert set(heard) == {("hashtag", "welding"), ("hashtag:local", "welding")}

            # A peer's resource with the tag: on `hashtag`, not on `hashtag:local`.
            theirs = await publish_resource(b, "joao", replace(WELDING, url="https://b.example/x"))
            await settle(a, b)
            kind, status = await sse.next()
            assert kind == "update" and status.uri == theirs.uri
            where, kind, payload = await ws_next(ws)
            assert (where, kind, payload["uri"]) == (["hashtag", "welding"], "update", theirs.uri)
            again = await publish_resource(a, "maria", replace(WELDING, url="https://c.example/y"))
            heard = {}
            for _ in range(2):
                where, kind, payload = await ws_next(ws)
                heard[tuple(where)] = payload["uri"]
            # `hashtag:local`'s next is maria's new one: joao's never came to it.
            assert heard == {
                ("hashtag", "welding"): again.uri,
                ("hashtag:local", "welding"): again.uri,
            }

            # A tag's stream hears its statuses deleted.
            await a.delete(again.uri)
            deleted = set()
            for _ in range(2):
                where, kind, payload = await ws_next(ws)
                deleted.add((where[0], kind, payload))
            assert deleted == {
                ("hashtag", "delete", str(again.id)),
                ("hashtag:local", "delete", str(again.id)),
            }
        async with httpx.AsyncClient(base_url=a.base) as client:
            bearer = {"Authorization": f"Bearer {api.access_token}"}
            for bad in ("", "?tag=", "?tag=no%20spaces", "?tag=" + "x" * 101):
                answer = await client.get(f"/api/v1/streaming/hashtag{bad}", headers=bearer)
                assert answer.status_code == 400 and answer.json()["error"] == "No tag specified"
            anonymous = await client.get("/api/v1/streaming/hashtag/local?tag=welding")
            assert anonymous.status_code == 401
    finally:
        close_later(stream)


async def test_the_user_stream_carries_edit_and_poll_notifications(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    api, _id, _secret = await sign_in_app(a, "maria")
    rita, _id, _secret = await sign_in_app(a, "rita")
    post = await call(api.status_post, "Hot work permit: who signs it?")
    await call(rita.status_favourite, post.id)
    heard = Heard(notifications_only=True)
    stream = await call(rita.stream_user, heard, run_async=True)
    await heard.opened()
    try:
        await call(api.status_update, post.id, "Hot work permit: the site manager signs it")
        kind, note = await heard.next()
        assert kind == "notification" and note.type == "update"
        assert note.status.id == post.id and "site manager" in note.status.content

        poll = await call(api.make_poll, ["Yes", "No"], expires_in=300)
        asked = await call(api.status_post, "Fire watch for an hour after?", poll=poll)
        await call(rita.poll_vote, asked.poll.id, [0])
        later = datetime.now(UTC) + timedelta(seconds=600)
        await settle(a, now=later)
        kind, note = await heard.next()
        assert kind == "notification" and note.type == "poll"
        assert note.status.id == asked.id and note.status.poll.expired
    finally:
        close_later(stream)


async def test_followers_and_following_are_read_page_by_page(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    names = [f"trainee{n}" for n in range(5)]
    for name in names:
        await a.create_user(name)
        await a.follow(name, f"maria@{a.domain}")
        await a.follow("maria", f"{name}@{a.domain}")
    api, _id, _secret = await sign_in_app(a, "maria")
    me = await call(api.me)

    async def every_page(first: Any) -> list[list[str]]:
        pages = []
        page = first
        for _ in range(10):  # bounded: 3 pages expected
            if not page:
                break
            pages.append([x.acct for x in page])
            page = await call(api.fetch_next, page)
        return pages

    newest_first = list(reversed(names))
    followers = await every_page(await call(api.account_followers, me.id, limit=2))
    assert followers == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
    following = await every_page(await call(api.account_following, me.id, limit=2))
    assert following == followers
    # Back from the second page to the first (min_id), and everything at once (limit 80).
    second = await call(api.fetch_next, await call(api.account_followers, me.id, limit=2))
    back = await call(api.fetch_previous, second)
    assert [x.acct for x in back] == newest_first[0:2]
    assert [x.acct for x in await call(api.account_followers, me.id)] == newest_first
    with pytest.raises(MastodonAPIError) as refused:
        await call(api.account_followers, me.id, max_id="x")
    assert refused.value.args[1] == 400


async def test_a_posts_page_links_to_its_earlier_versions(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    post = await a.post("maria", "Ladder: three points of contact")
    never = await a.post("maria", "Gloves: check for holes")
    private = await a.post("maria", "Only for my followers", visibility="followers")
    await a.edit(post.uri, "Ladder: always three points of contact")
    await a.edit(post.uri, "Ladder: always three points of contact, facing it")
    await a.edit(private.uri, "Only for my followers, edited")
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": "text/html"}) as http:
        page = await http.get("/view", params={"uri": post.uri})
        assert page.status_code == 200
        [versions] = re.findall(r'<a href="(/post/versions\?uri=[^"]+)">edited</a>', page.text)
        assert unquote(versions.partition("uri=")[2]) == post.uri
        listed = await http.get(versions)
        assert listed.status_code == 200
        texts = [
            "Ladder: always three points of contact, facing it",
            "Ladder: always three points of contact</p>",
            "Ladder: three points of contact",
        ]
        at = [listed.text.index(t) for t in texts]
        assert at == sorted(at)  # the current one first, then each earlier one, newest first
        assert listed.text.count("Current version") == 1
        assert listed.text.count("Earlier version") == 2
        # A post never edited has no "edited" mark, and its page says nothing was kept.
        plain = await http.get("/view", params={"uri": never.uri})
        assert "/post/versions" not in plain.text
        untouched = await http.get("/post/versions", params={"uri": never.uri})
        assert "No earlier version of this post is kept here." in untouched.text
        # Who may not read a post may not read its versions; an unknown post is a 404.
        hidden = await http.get("/post/versions", params={"uri": private.uri})
        assert hidden.status_code == 404 and "Only for my followers" not in hidden.text
        for uri in ("", "https://nowhere.example/1", "x" * 5000):
            assert (await http.get("/post/versions", params={"uri": uri})).status_code == 404
