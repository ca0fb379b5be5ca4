"""A Mastodon web client in the browser, from another origin (issue 13).

Elk and Phanpy are not on the npm registry and nothing else can be fetched here, so this is
the honest substitute: a small page served from a different origin (another loopback port,
a tiny aiohttp app of this test) loads masto.js — the client library Elk and Phanpy are
built on — as the browser modules its npm package ships (an import map names its three
dependencies), signs in with a token from the OAuth PKCE flow, reads the home timeline and
shows it, then hears a new post over masto.js's streaming client (a WebSocket with the token
as its protocol, which the browser wants echoed). Chromium at a phone's size does what such
an app does first: preflights and reads answers across origins (CORS), verifies the
account, reads home, opens its stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from aiohttp import web
from playwright.async_api import Page, Request, expect

from tests.browser.conftest import PHONE
from tests.conftest import NodeFactory
from tests.interop.peers.masto_client import MASTO_DIR, ensure_installed
from tests.support.mastodon_app import call, sign_in_app
from tests.support.nodes import free_port

pytestmark = pytest.mark.browser

MODULES = MASTO_DIR / "node_modules"
# What masto's browser modules import by bare name, and the ES module each package ships.
IMPORTS = {
    "masto": "/node_modules/masto/dist/index.js",
    "change-case": "/node_modules/change-case/dist/index.js",
    "events-to-async": "/node_modules/events-to-async/module/events-to-async.js",
    "ts-custom-error": "/node_modules/ts-custom-error/dist/custom-error.mjs",
}
# A status an app posts that the node publishes as a learning resource: a card in home.
RESOURCE_STATUS = (
    "Oxy-fuel welding: safety checklist https://cfp.example.org/oxyfuel.pdf\n#EQF3 #ISCED0715"
)
CLIENT = """
import { createRestAPIClient, createStreamingAPIClient } from "masto";

const given = new URLSearchParams(location.hash.slice(1));
const show = (selector, text) => { document.querySelector(selector).textContent = text; };
const readable = (html) => new DOMParser().parseFromString(html, "text/html").body.textContent;
try {
  const masto = createRestAPIClient({ url: given.get("server"), accessToken: given.get("token") });
  const me = await masto.v1.accounts.verifyCredentials();
  show("#who", "@" + me.acct);
  const home = await masto.v1.timelines.home.list({ limit: 20 });
  const list = document.querySelector("#timeline");
  const itemOf = (status) => {
    const item = document.createElement("li");
    const author = document.createElement("strong");
    author.textContent = status.account.displayName || status.account.acct;
    const text = document.createElement("p");
    text.textContent = readable(status.content);
    item.append(author, text);
    if (status.card) {
      const card = document.createElement("a");
      card.className = "card";
      card.href = status.card.url;
      card.textContent = status.card.title;
      item.append(card);
    }
    return item;
  };
  list.append(...home.map(itemOf));
  show("#state", `${home.length} statuses`);
  // Live: masto.js's streaming client (a WebSocket, the token as its protocol, as Elk's).
  const instance = await masto.v2.instance.fetch();
  const streaming = createStreamingAPIClient({
    streamingApiUrl: instance.configuration.urls.streaming,
    accessToken: given.get("token"),
    retry: 3,
  });
  const events = streaming.user.subscribe()[Symbol.asyncIterator]();
  let next = events.next();
  await streaming.prepare();
  show("#live", "Listening");
  for (;;) {
    const { value, done } = await next;
    if (done) break;
    if (value.event === "update") list.prepend(itemOf(value.payload));
    next = events.next();
  }
} catch (error) {
  show("#state", "Error: " + error);
}
"""


def client_page() -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Web client test</title>
<script type="importmap">{json.dumps({"imports": IMPORTS})}</script>
</head><body>
<h1>Home of <span id="who">…</span></h1>
<p id="state" role="status">Loading</p>
<p id="live"></p>
<ol id="timeline"></ol>
<script type="module">{CLIENT}</script>
</body></html>"""


async def module_file(request: web.Request) -> web.StreamResponse:
    """A file of node_modules, as a browser module (JavaScript's media type)."""
    path = (MODULES / request.match_info["path"]).resolve()
    if not path.is_relative_to(MODULES.resolve()) or not path.is_file():
        raise web.HTTPNotFound()
    kind = "text/javascript" if path.suffix in (".js", ".mjs") else "application/octet-stream"
    return web.Response(body=path.read_bytes(), content_type=kind)


async def index(_request: web.Request) -> web.StreamResponse:
    return web.Response(text=client_page(), content_type="text/html")


@pytest.fixture
async def client_origin() -> AsyncIterator[str]:
    """The web client's own origin: a loopback port that is not the node's."""
    await asyncio.to_thread(ensure_installed)
    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/node_modules/{path:.+}", module_file)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_web_client_on_another_origin_reads_home_with_masto_js(
    make_node: NodeFactory, phone: Page, client_origin: str
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    api, _client_id, _client_secret = await sign_in_app(a, "maria")
    await call(api.status_post, "Torch keys are in the cupboard")
    await call(api.status_post, RESOURCE_STATUS)
    assert client_origin != a.base
    cross_origin: list[str] = []

    def asked(request: Request) -> None:
        if request.url.startswith(a.base):
            cross_origin.append(request.url)

    phone.on("request", asked)
    fragment = urlencode({"server": a.base, "token": api.access_token})
    await phone.goto(f"{client_origin}/#{fragment}")

    await expect(phone.locator("#state")).to_have_text("2 statuses", timeout=20_000)
    await expect(phone.locator("#who")).to_have_text("@maria")
    timeline = phone.locator("#timeline")
    await expect(timeline.locator("li").first).to_contain_text("Oxy-fuel welding")
    await expect(timeline).to_contain_text("Torch keys are in the cupboard")
    card = timeline.locator("a.card")
    await expect(card).to_have_text("Oxy-fuel welding: safety checklist")
    # The page's own origin asked the node's API (its answers were readable: CORS).
    assert any("/api/v1/accounts/verify_credentials" in r for r in cross_origin), cross_origin
    assert any("/api/v1/timelines/home" in r for r in cross_origin), cross_origin
    # A post made now reaches the page live, over the stream.
    await expect(phone.locator("#live")).to_have_text("Listening", timeout=20_000)
    await call(api.status_post, "Workshop closed on Friday")
    await expect(timeline.locator("li").first).to_contain_text(
        "Workshop closed on Friday", timeout=20_000
    )
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
