"""The Mastodon client API driven by masto.js (npm), the client library of Elk and Phanpy:
a signed-in trainer (OAuth with PKCE, as in tests/support/mastodon_app.py) posts, reads home
page by page, finds a trainer of another node by handle, posts a picture with its description and a
poll; its streaming client (a WebSocket, the
token as its protocol) hears the trainer's post and a colleague's reply to it."""

from __future__ import annotations

from tests.conftest import NodeFactory
from tests.interop.peers.masto_client import run_client, run_stream
from tests.support.mastodon_app import sign_in_app


async def test_masto_js_posts_pages_home_and_searches(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    api, _client_id, _client_secret = await sign_in_app(a, "maria")
    seen = await run_client(a.base, api.access_token, f"joao@{b.domain}")
    assert seen["username"] == "maria"
    assert seen["streamingUrl"] == "ws://" + a.domain
    newest_first = list(reversed(seen["posted"]))
    assert [i for page in seen["pages"] for i in page] == newest_first
    # Pages of 2, then 1, then the empty page that ends the paginator (as on Mastodon).
    assert [len(page) for page in seen["pages"]] == [2, 1, 0]
    assert seen["search"] == [f"joao@{b.domain}"]
    # A picture posted with its description, and a poll.
    [picture] = seen["media"]
    assert picture["type"] == "image" and picture["description"] == "A torch on its stand"
    assert picture["url"].startswith(a.base)
    assert seen["poll"] == ["Argon", "CO2"]


async def test_masto_js_streaming_client_hears_a_post_and_the_reply(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    maria, _id, _secret = await sign_in_app(a, "maria")
    rita, _id, _secret = await sign_in_app(a, "rita")
    seen = await run_stream(a.base, maria.access_token, rita.access_token)
    assert not seen.get("timedOut"), seen
    # What masto.js's iterator yielded, in order: both statuses in maria's home, then the
    # reply as a notification (a reply is a `mention`), each with its stream named.
    assert [(e["stream"], e["event"]) for e in seen["events"]] == [
        (["user"], "update"),
        (["user"], "update"),
        (["user"], "notification"),
    ]
    mine, reply, notification = seen["events"]
    assert mine["id"] == seen["posted"] and "Who has the torch keys?" in mine["content"]
    assert reply["id"] == seen["reply"] and reply["account"] == "rita"
    assert notification["type"] == "mention" and notification["account"] == "rita"
    assert notification["status"] == seen["reply"]
    assert "In the cupboard" in notification["content"]
