"""The Mastodon client API driven by masto.js (npm), the client library of Elk and Phanpy:
a signed-in trainer (OAuth with PKCE, as in test_mastodon_api.py) posts, reads home page by
page and finds a trainer of another node by handle. (Its streaming client is not driven yet:
docs/apps.md.)"""

from __future__ import annotations

from tests.conftest import NodeFactory
from tests.integration.test_mastodon_api import sign_in_app
from tests.interop.peers.masto_client import run_client


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
