"""Phone apps through the Mastodon client API, driven by a real client library
(Mastodon.py, from PyPI) over real HTTP on loopback: register an app, sign in with OAuth and
PKCE through the node's own pages, post, read home page by page, follow a trainer on a
second node, hear of their reply, search by handle, delete; and the errors apps rely on.

Mastodon.py is synchronous (requests): each call runs in a thread while the nodes serve on
the test's event loop."""

from __future__ import annotations

import queue
import threading
from typing import Any

import aiohttp
import httpx
import orjson
import pytest
from mastodon import Mastodon, StreamListener
from mastodon.errors import MastodonNotFoundError, MastodonUnauthorizedError
from sqlalchemy import select

from compagnon.storage.models import Follow
from tests.conftest import NodeFactory
from tests.integration.test_social_cli import cli
from tests.support.mastodon_app import call, hidden_fields, sign_in_app
from tests.support.nodes import settle
from tests.support.resources import WELDING, publish_resource
from tests.support.signin import sign_in


async def test_a_phone_app_signs_in_posts_reads_follows_and_is_notified(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend), await make_node("b", backend)
    await a.create_user("maria")
    await b.create_user("joao")
    api, _client_id, _client_secret = await sign_in_app(a, "maria")

    me = await call(api.account_verify_credentials)
    assert me.username == "maria" and me.acct == "maria"
    instance = await call(api.instance)
    assert instance.title == "Centre a"

    # Post, with an Idempotency-Key: the app retrying after a lost answer posts once.
    first = await call(api.status_post, "Soldadura MIG: the checklist", idempotency_key="k-1")
    again = await call(api.status_post, "Soldadura MIG: the checklist", idempotency_key="k-1")
    assert first.id == again.id
    for n in range(2, 6):
        await call(api.status_post, f"Lesson plan {n}", spoiler_text="" if n % 2 else "spoiler")
    # Home, two at a time, following the Link headers as Mastodon.py does.
    page = await call(api.timeline_home, limit=2)
    assert [s.content for s in page] == ["<p>Lesson plan 5</p>", "<p>Lesson plan 4</p>"]
    assert page[1].spoiler_text == "spoiler"
    seen = [s.id for s in page]
    while page:
        page = await call(api.fetch_next, page)
        seen += [s.id for s in page or []]
    assert len(seen) == 5 and seen[-1] == first.id
    newer = await call(api.timeline_home, min_id=first.id, limit=2)
    assert [s.content for s in newer] == ["<p>Lesson plan 3</p>", "<p>Lesson plan 2</p>"]
    local = await call(api.timeline_local)
    assert len(local) == 5

    # A trainer on the other node, found by handle through WebFinger, followed.
    found = await call(api.search_v2, f"@joao@{b.domain}", resolve=True)
    joao = found.accounts[0]
    assert joao.acct == f"joao@{b.domain}"
    relationship = await call(api.account_follow, joao.id)
    assert relationship.following or relationship.requested
    await settle(a, b)
    [relationship] = await call(api.account_relationships, [joao.id])
    assert relationship.following

    # Maria mentions joao; he replies from his node's web page; the app hears of it.
    asked = await call(api.status_post, f"@joao@{b.domain} will you use the checklist?")
    await settle(a, b)
    async with httpx.AsyncClient(base_url=b.base, headers={"Accept": "text/html"}) as http:
        await sign_in(http, "joao")
        home = await http.get("/home")
        fields = hidden_fields(home.text, "/compose")
        answer = await http.post(
            "/reply",
            data={
                "csrf": fields["csrf"],
                "uri": asked.uri,
                "content": "Yes, on Monday",
                "visibility": "public",
            },
        )
        assert answer.status_code == 303
    await settle(a, b)
    notes = await call(api.notifications)
    reply = next(n for n in notes if n.type == "mention")
    assert reply.account.acct == f"joao@{b.domain}"
    assert "Yes, on Monday" in reply.status.content
    assert reply.status.in_reply_to_id == asked.id
    context = await call(api.status_context, asked.id)
    assert [s.id for s in context.descendants] == [reply.status.id]
    # joao's posts reach maria's home now she follows him.
    await b.post("joao", "Bricklaying: mortar ratios")
    await settle(a, b)
    # Among the newest: a peer's times travel in whole seconds, so a post of the same
    # second as maria's own may sort just before or after it.
    home = await call(api.timeline_home, limit=3)
    mortar = next(s for s in home if s.content == "<p>Bricklaying: mortar ratios</p>")
    assert mortar.account.acct == f"joao@{b.domain}"

    # Favourite, reblog and answer joao's post; delete one of hers.
    liked = await call(api.status_favourite, mortar.id)
    assert liked.favourited and liked.favourites_count == 1
    shared = await call(api.status_reblog, mortar.id)
    assert shared.reblog.id == mortar.id and shared.reblog.reblogged
    assert not (await call(api.status_unreblog, mortar.id)).reblogged
    answer = await call(
        api.status_post, "Saved it, thanks", in_reply_to_id=mortar.id, visibility="private"
    )
    assert answer.in_reply_to_id == mortar.id and answer.visibility == "private"
    await call(api.status_delete, first.id)
    with pytest.raises(MastodonNotFoundError):
        await call(api.status, first.id)
    await settle(a, b)
    assert await b.reactions(mortar.uri) == {"like": 1}  # the share was undone
    arrived = await b.object(answer.uri)
    assert arrived is not None and arrived.in_reply_to == mortar.uri

    # The trainer sees the app on /settings/apps and revokes it: the token stops working.
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": "text/html"}) as http:
        await sign_in(http, "maria")
        page_html = (await http.get("/settings/apps")).text
        assert "Tusky test" in page_html
        answer = await http.post("/settings/apps", data=hidden_fields(page_html, "/settings/apps"))
        assert answer.status_code == 303
        assert "Tusky test" not in (await http.get("/settings/apps")).text
    with pytest.raises(MastodonUnauthorizedError):
        await call(api.account_verify_credentials)


async def test_a_trainer_revokes_an_app_from_the_command_line(
    make_node: NodeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    api, _client_id, _client_secret = await sign_in_app(a, "maria")
    listed = await cli(a, capsys, "apps", "maria")
    assert "Tusky test" in listed and "read write follow" in listed
    app_id = listed.split("\t", 1)[0]
    assert "revoked" in await cli(a, capsys, "apps-revoke", "maria", app_id)
    assert (await cli(a, capsys, "apps", "maria")).strip() == ""
    with pytest.raises(MastodonUnauthorizedError):
        await call(api.account_verify_credentials)


async def test_a_learning_resource_reads_as_a_rich_status_in_an_app(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    resource = await publish_resource(a, "maria", WELDING)
    await settle(a, b)

    anonymous = Mastodon(api_base_url=a.base)  # public timelines need no sign-in
    [status] = await call(anonymous.timeline_local)
    assert status.uri == resource.uri
    assert "Oxy-fuel welding: safety checklist" in status.content
    assert status.card.title == "Oxy-fuel welding: safety checklist"
    assert "hoses, valves, flashback" in status.card.description
    [attachment] = status.media_attachments
    assert attachment.url == "https://cfp.example.org/media/checklist.pdf"
    assert "welding" in {tag.name.lower() for tag in status.tags}
    tagged = await call(anonymous.timeline_hashtag, "welding")
    assert [s.uri for s in tagged] == [resource.uri]
    assert await call(anonymous.timeline_hashtag, "plumbing") == []

    # On the follower's node, in their app's home, as it arrived over federation.
    api, _client_id, _client_secret = await sign_in_app(b, "joao")
    [home] = await call(api.timeline_home)
    assert home.uri == resource.uri and home.account.acct == f"maria@{a.domain}"
    assert home.card.title == "Oxy-fuel welding: safety checklist"
    assert [m.url for m in home.media_attachments] == [
        "https://cfp.example.org/media/checklist.pdf"
    ]
    found = await call(api.search_v2, "oxy-fuel checklist")
    assert [s.uri for s in found.statuses] == [resource.uri]


async def test_the_app_hears_a_reply_live_over_the_streaming_api(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    api, _client_id, _client_secret = await sign_in_app(a, "maria")
    heard: queue.Queue[tuple[str, Any]] = queue.Queue()
    opened = threading.Event()

    class Listener(StreamListener):  # type: ignore[misc]
        def on_update(self, status: Any) -> None:
            heard.put(("update", status))

        def on_notification(self, notification: Any) -> None:
            heard.put(("notification", notification))

        def handle_heartbeat(self) -> None:
            if not opened.is_set():  # the node's first bytes: the stream's cursor is placed
                opened.set()
                heard.put(("open", None))

    stream = await call(api.stream_user, Listener(), run_async=True)
    try:
        # run_async returns before it connects: what is posted before the stream opens is
        # not heard, so the post waits for the node's first bytes.
        assert (await call(heard.get, timeout=30))[0] == "open"
        posted = await call(api.status_post, "Who has the torch keys?")
        kind, status = await call(heard.get, timeout=30)  # bounded: the stream polls each second
        assert kind == "update" and status.id == posted.id
        async with httpx.AsyncClient(base_url=a.base, headers={"Accept": "text/html"}) as http:
            await sign_in(http, "rita")
            fields = hidden_fields((await http.get("/home")).text, "/compose")
            answer = await http.post(
                "/reply",
                data={
                    "csrf": fields["csrf"],
                    "uri": posted.uri,
                    "content": "In the cupboard",
                    "visibility": "public",
                },
            )
            assert answer.status_code == 303
        kinds: dict[str, Any] = {}
        while "notification" not in kinds:
            kind, payload = await call(heard.get, timeout=30)
            kinds[kind] = payload
        assert kinds["notification"].type == "mention"
        assert kinds["notification"].account.acct == "rita"
        assert "In the cupboard" in kinds["notification"].status.content
    finally:
        # Not waited for: requests' close waits for the reader thread's next bytes (the next
        # heartbeat); the node's stop at teardown ends the connection anyway.
        threading.Thread(target=stream.close, daemon=True).start()


async def test_follow_requests_followers_favourites_and_clearing_notifications(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria", manual=True)
    await b.create_user("joao")
    api, _client_id, _client_secret = await sign_in_app(a, "maria")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    [waiting] = await call(api.follow_requests)
    assert waiting.acct == f"joao@{b.domain}"
    relationship = await call(api.follow_request_authorize, waiting.id)
    assert relationship.followed_by
    await settle(a, b)
    async with b.sessions() as session:
        assert await session.scalar(select(Follow.state)) == "accepted"
    me = await call(api.me)
    assert [f.acct for f in await call(api.account_followers, me.id)] == [f"joao@{b.domain}"]
    assert await call(api.follow_requests) == []

    post = await call(api.status_post, "Checklist, second edition")
    await call(api.status_favourite, post.id)
    assert [s.id for s in await call(api.favourites)] == [post.id]

    notes = await call(api.notifications)
    assert {n.type for n in notes} == {"follow_request"}
    await call(api.notifications_dismiss, notes[0].id)
    assert len(await call(api.notifications)) == len(notes) - 1
    await call(api.notifications_clear)
    assert await call(api.notifications) == []
    # What apps read when they start, though the node keeps none of it yet.
    assert await call(api.announcements) == []
    assert await call(api.bookmarks) == []
    assert await call(api.filters) == []


async def test_a_web_client_hears_updates_over_the_websocket_stream(
    make_node: NodeFactory,
) -> None:
    """The WebSocket form Elk, Phanpy and masto.js use: token in the query, a subscribe
    message, events as JSON messages whose payload is JSON text."""
    a = await make_node("a")
    await a.create_user("maria")
    api, _client_id, _client_secret = await sign_in_app(a, "maria")
    token = api.access_token
    async with aiohttp.ClientSession() as http:
        refused = await http.get(f"{a.base}/api/v1/streaming?stream=user")
        assert refused.status == 401 and "error" in await refused.json()
        async with http.ws_connect(
            f"{a.base}/api/v1/streaming?access_token={token}",
            timeout=aiohttp.ClientWSTimeout(ws_receive=30),
        ) as ws:
            await ws.send_json({"type": "subscribe", "stream": "user"})
            await ws.send_json({"type": "subscribe", "stream": "public:local"})
            # The stream's cursor starts at the connection: what is posted after it is heard
            # on every stream subscribed, whenever the subscription arrived. Maria's post is
            # in her home (`user`) and in this centre's timeline (`public:local`).
            posted = await call(api.status_post, "Torch keys are in the cupboard")
            heard: dict[str, Any] = {}
            while set(heard) < {"user", "public:local"}:
                message = await ws.receive_json(timeout=30)
                assert message["event"] == "update"
                status = orjson.loads(message["payload"])
                assert status["id"] == posted.id
                heard[message["stream"][0]] = status
