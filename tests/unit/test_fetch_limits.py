"""A remote actor, object or outbox page is refused past a size and a nesting depth, with a
reason an admin can read: never stored half, never a failed transaction later."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from compagnon.federation.fetch import FetchError, fetch_document, make_http_client

AP_JSON = "application/activity+json"


def nested(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"deeper": value}
    return value


def as_list_nesting(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.fixture
async def server(aiohttp_server: AiohttpServer) -> AsyncIterator[TestServer]:
    async def deep(request: web.Request) -> web.Response:
        levels = int(request.match_info["levels"])
        doc = {"id": str(request.url), "type": "Person", "extra": nested(levels)}
        # orjson cannot write past 254 levels: build the JSON text by hand.
        body = orjson.dumps({**doc, "extra": None}).replace(
            b'"extra":null', b'"extra":' + b'{"deeper":' * levels + b'"bottom"' + b"}" * levels
        )
        return web.Response(body=body, content_type=AP_JSON)

    async def deep_list(request: web.Request) -> web.Response:
        body = b'{"id": "' + str(request.url).encode() + b'", "x": ' + as_list_nesting(300) + b"}"
        return web.Response(body=body, content_type=AP_JSON)

    async def nul(request: web.Request) -> web.Response:
        body = orjson.dumps({"id": str(request.url), "type": "Person", "name": "a\x00b"})
        return web.Response(body=body, content_type=AP_JSON)

    async def bomb(request: web.Request) -> web.Response:
        # 5 MB of JSON that compresses to a few KB: the cap is on what is decoded.
        text = orjson.dumps({"id": str(request.url), "filler": "0" * 5_000_000})
        return web.Response(
            body=gzip.compress(text),
            headers={"Content-Type": AP_JSON, "Content-Encoding": "gzip"},
        )

    app = web.Application()
    app.router.add_get("/deep/{levels}", deep)
    app.router.add_get("/deep-list", deep_list)
    app.router.add_get("/nul", nul)
    app.router.add_get("/bomb", bomb)
    yield await aiohttp_server(app)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    http = make_http_client(user_agent="Compagnon-test/1")
    yield http
    await http.aclose()


async def fetched(client: httpx.AsyncClient, url: str, **kwargs: Any) -> dict[str, Any]:
    return (await fetch_document(client, url, signer=None, allow_private=True, **kwargs)).doc


async def refusal(client: httpx.AsyncClient, url: str, **kwargs: Any) -> str:
    with pytest.raises(FetchError) as raised:
        await fetched(client, url, **kwargs)
    return raised.value.reason


async def test_a_document_nested_300_levels_deep_is_refused(
    server: TestServer, client: httpx.AsyncClient
) -> None:
    reason = await refusal(client, str(server.make_url("/deep/300")))
    assert "nested deeper than 64 levels" in reason
    assert "nested deeper" in await refusal(client, str(server.make_url("/deep-list")))


async def test_the_depth_cap_is_a_setting(server: TestServer, client: httpx.AsyncClient) -> None:
    url = str(server.make_url("/deep/100"))
    assert "deeper than 64" in await refusal(client, url)
    assert (await fetched(client, url, max_depth=128))["id"] == url
    assert "deeper than 16" in await refusal(client, str(server.make_url("/deep/20")), max_depth=16)


async def test_a_document_with_a_nul_character_is_refused(
    server: TestServer, client: httpx.AsyncClient
) -> None:
    assert "NUL" in await refusal(client, str(server.make_url("/nul")))


async def test_a_compressed_body_is_capped_by_its_decoded_size(
    server: TestServer, client: httpx.AsyncClient
) -> None:
    assert "body over 1000000 bytes" in await refusal(client, str(server.make_url("/bomb")))
