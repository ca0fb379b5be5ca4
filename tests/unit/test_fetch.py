"""compagnon.federation.fetch and delivery_http against a real aiohttp server (no mocks)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from compagnon.federation.delivery_http import MAX_ANSWER_BYTES, DeliveryClient
from compagnon.federation.fetch import (
    FetchError,
    check_address,
    fetch_document,
    make_http_client,
)

AP_JSON = "application/activity+json"


@dataclass
class Peer:
    """A small ActivityPub-ish server and what it saw."""

    server: TestServer
    hits: list[str] = field(default_factory=list)
    headers: list[Mapping[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))


def _document(request: web.Request, **extra: Any) -> dict[str, Any]:
    return {"id": str(request.url), "type": "Note", **extra}


def _routes(peer: Peer) -> web.RouteTableDef:
    """One small handler per case the client must handle."""
    routes = web.RouteTableDef()

    @routes.get("/note")
    async def note(request: web.Request) -> web.Response:
        return web.json_response(_document(request), content_type=AP_JSON)

    @routes.get("/ld")
    async def ld(request: web.Request) -> web.Response:
        response = web.json_response(_document(request))
        response.headers["Content-Type"] = (
            'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
        )
        return response

    @routes.get("/redirect/{n}")
    async def redirect(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        # Relative Location, as many servers send it.
        raise web.HTTPFound(f"/redirect/{n - 1}" if n > 1 else "/note")

    @routes.get("/redirect-to/{scheme}")
    async def redirect_elsewhere(request: web.Request) -> web.Response:
        targets = {"file": "file:///etc/passwd", "gopher": "gopher://127.0.0.1/"}
        raise web.HTTPFound(targets[request.match_info["scheme"]])

    @routes.get("/wrong-id")
    async def wrong_id(request: web.Request) -> web.Response:
        doc = {"id": "https://elsewhere.example/notes/1", "type": "Note"}
        return web.json_response(doc, content_type=AP_JSON)

    @routes.get("/no-id")
    async def no_id(request: web.Request) -> web.Response:
        return web.json_response({"subject": "acct:a@b"}, content_type="application/jrd+json")

    @routes.get("/gone")
    async def gone(request: web.Request) -> web.Response:
        return web.json_response({"type": "Tombstone"}, status=410, content_type=AP_JSON)

    @routes.get("/error")
    async def error(request: web.Request) -> web.Response:
        return web.Response(status=500, text="boom")

    @routes.get("/html")
    async def html(request: web.Request) -> web.Response:
        return web.Response(text="<html>hi</html>", content_type="text/html")

    @routes.get("/garbage")
    async def garbage(request: web.Request) -> web.Response:
        return web.Response(body=b'{"id": "x", ', content_type=AP_JSON)

    @routes.get("/array")
    async def array(request: web.Request) -> web.Response:
        return web.Response(body=b"[1, 2]", content_type=AP_JSON)

    @routes.get("/big-declared")
    async def big_declared(request: web.Request) -> web.Response:
        filler = "x" * 5_000
        return web.json_response(_document(request, filler=filler), content_type=AP_JSON)

    @routes.get("/big-streamed")
    async def big_streamed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": AP_JSON})
        response.enable_chunked_encoding()  # no Content-Length: only counting can stop it
        await response.prepare(request)
        await response.write(b'{"id": "' + str(request.url).encode() + b'", "filler": "')
        for _ in range(100):
            await response.write(b"x" * 1_000)
        await response.write(b'"}')
        return response

    @routes.get("/hang")
    async def hang(request: web.Request) -> web.Response:
        await peer.release.wait()  # never set while the client waits
        return web.json_response(_document(request), content_type=AP_JSON)

    @routes.post("/inbox")
    async def inbox(request: web.Request) -> web.Response:
        peer.bodies.append(await request.read())
        return web.Response(status=202, text="accepted")

    @routes.post("/inbox-error")
    async def inbox_error(request: web.Request) -> web.Response:
        return web.Response(status=503, text="later", headers={"Retry-After": "120"})

    @routes.post("/inbox-chatty")
    async def inbox_chatty(request: web.Request) -> web.Response:
        return web.Response(status=400, text="e" * (MAX_ANSWER_BYTES * 3))

    @routes.post("/inbox-hang")
    async def inbox_hang(request: web.Request) -> web.Response:
        await peer.release.wait()  # never set while the client waits
        return web.Response(status=202)

    @routes.post("/inbox-moved")
    async def inbox_moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/inbox")

    return routes


@pytest.fixture
async def peer(aiohttp_server: AiohttpServer) -> AsyncIterator[Peer]:
    peer = Peer(server=None)  # type: ignore[arg-type]

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        peer.hits.append(request.path)
        peer.headers.append(request.headers.copy())  # case-insensitive, like HTTP
        response: web.StreamResponse = await handler(request)
        return response

    app = web.Application(middlewares=[record])
    app.add_routes(_routes(peer))
    peer.server = await aiohttp_server(app)
    yield peer
    peer.release.set()  # let a hanging handler finish so the server closes promptly


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    http = make_http_client(user_agent="Compagnon-test/1")
    yield http
    await http.aclose()


class RecordingSigner:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], bytes | None]] = []

    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> dict[str, str]:
        self.calls.append((method, url, dict(headers), body))
        return {"Signature": f"signed {method} {url}", "Date": "Tue, 07 Jun 2022 20:51:35 GMT"}


async def _fetch(client: httpx.AsyncClient, url: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("signer", None)
    kwargs.setdefault("allow_private", True)
    return (await fetch_document(client, url, **kwargs)).doc


async def _fetch_error(client: httpx.AsyncClient, url: str, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as raised:
        await _fetch(client, url, **kwargs)
    return raised.value


# --- fetch_document --------------------------------------------------------------------------


async def test_fetches_a_document(peer: Peer, client: httpx.AsyncClient) -> None:
    doc = await _fetch(client, peer.url("/note"))
    assert doc == {"id": peer.url("/note"), "type": "Note"}
    sent = peer.headers[0]
    assert sent["Accept"].startswith("application/activity+json")
    assert sent["User-Agent"] == "Compagnon-test/1"


async def test_ld_json_with_profile_is_accepted(peer: Peer, client: httpx.AsyncClient) -> None:
    assert (await _fetch(client, peer.url("/ld")))["id"] == peer.url("/ld")


async def test_redirects_are_followed_and_counted(peer: Peer, client: httpx.AsyncClient) -> None:
    doc = await _fetch(client, peer.url("/redirect/3"), max_redirects=3)
    # The id must match the final URL, not the one asked for.
    assert doc["id"] == peer.url("/note")
    assert peer.hits == ["/redirect/3", "/redirect/2", "/redirect/1", "/note"]


async def test_too_many_redirects(peer: Peer, client: httpx.AsyncClient) -> None:
    error = await _fetch_error(client, peer.url("/redirect/4"), max_redirects=3)
    assert "more than 3 redirects" in error.reason
    assert error.url == peer.url("/redirect/4")
    assert peer.hits == ["/redirect/4", "/redirect/3", "/redirect/2", "/redirect/1"]


@pytest.mark.parametrize("scheme", ["file", "gopher"])
async def test_each_redirect_hop_is_checked(
    peer: Peer, client: httpx.AsyncClient, scheme: str
) -> None:
    error = await _fetch_error(client, peer.url(f"/redirect-to/{scheme}"))
    assert "is not http or https" in error.reason
    assert peer.hits == [f"/redirect-to/{scheme}"]  # the second hop was never requested


async def test_private_address_refused_before_connecting(
    peer: Peer, client: httpx.AsyncClient
) -> None:
    error = await _fetch_error(client, peer.url("/note"), allow_private=False)
    assert "not a public address" in error.reason
    assert peer.hits == []


async def test_signer_signs_every_hop(peer: Peer, client: httpx.AsyncClient) -> None:
    signer = RecordingSigner()
    await _fetch(client, peer.url("/redirect/1"), signer=signer)
    assert [(c[0], c[1], c[3]) for c in signer.calls] == [
        ("GET", peer.url("/redirect/1"), None),
        ("GET", peer.url("/note"), None),
    ]
    # The signer sees the headers that go on the wire, Host included.
    assert signer.calls[0][2]["host"] == f"127.0.0.1:{peer.server.port}"
    assert signer.calls[0][2]["accept"].startswith("application/activity+json")
    assert [h["Signature"] for h in peer.headers] == [
        f"signed GET {peer.url('/redirect/1')}",
        f"signed GET {peer.url('/note')}",
    ]


async def test_wrong_id_is_refused(peer: Peer, client: httpx.AsyncClient) -> None:
    error = await _fetch_error(client, peer.url("/wrong-id"))
    assert "is not the URL fetched" in error.reason


async def test_id_check_can_be_skipped_for_webfinger(peer: Peer, client: httpx.AsyncClient) -> None:
    doc = await _fetch(client, peer.url("/no-id"), check_id=False)
    assert doc == {"subject": "acct:a@b"}


async def test_gone_is_recognisable(peer: Peer, client: httpx.AsyncClient) -> None:
    error = await _fetch_error(client, peer.url("/gone"))
    assert error.status == 410
    assert "gone" in error.reason


async def test_server_error_carries_status(peer: Peer, client: httpx.AsyncClient) -> None:
    assert (await _fetch_error(client, peer.url("/error"))).status == 500
    assert (await _fetch_error(client, peer.url("/missing"))).status == 404


async def test_non_json_content_type(peer: Peer, client: httpx.AsyncClient) -> None:
    error = await _fetch_error(client, peer.url("/html"))
    assert "'text/html' is not JSON" in error.reason
    assert error.status is None


@pytest.mark.parametrize(("path", "reason"), [("/garbage", "invalid JSON"), ("/array", "list")])
async def test_bad_json(peer: Peer, client: httpx.AsyncClient, path: str, reason: str) -> None:
    assert reason in (await _fetch_error(client, peer.url(path))).reason


@pytest.mark.parametrize("path", ["/big-declared", "/big-streamed"])
async def test_oversized_body(peer: Peer, client: httpx.AsyncClient, path: str) -> None:
    error = await _fetch_error(client, peer.url(path), max_bytes=4_000)
    assert "body over 4000 bytes" in error.reason
    # The same documents are fine under the default 1 MB cap.
    assert (await _fetch(client, peer.url(path)))["id"] == peer.url(path)


async def test_read_timeout(peer: Peer) -> None:
    http = make_http_client(user_agent="t", read_timeout=0.2)
    try:
        error = await _fetch_error(http, peer.url("/hang"))
    finally:
        await http.aclose()
    assert "timed out" in error.reason


async def test_total_timeout(peer: Peer) -> None:
    http = make_http_client(user_agent="t", read_timeout=10, total_timeout=0.3)
    try:
        error = await _fetch_error(http, peer.url("/hang"))
    finally:
        await http.aclose()
    assert "no complete answer within 0.3 s" in error.reason


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    error = await _fetch_error(client, f"http://127.0.0.1:{_closed_port()}/note")
    assert error.status is None
    assert "cannot connect" in error.reason


# --- the delivery POST (delivery_http.DeliveryClient) ------------------------------------


@pytest.fixture
async def delivery() -> AsyncIterator[DeliveryClient]:
    client = DeliveryClient(user_agent="Compagnon-test/1", total_timeout=0.5)
    yield client
    await client.aclose()


async def test_post_is_signed_and_answer_returned(peer: Peer, delivery: DeliveryClient) -> None:
    signer = RecordingSigner()
    body = json.dumps({"type": "Create"}).encode()
    answer = await delivery.post_signed(peer.url("/inbox"), body, signer=signer, allow_private=True)
    assert answer.status == 202
    assert answer.text == "accepted"
    assert peer.bodies == [body]
    [(method, url, headers, signed_body)] = signer.calls
    assert (method, url, signed_body) == ("POST", peer.url("/inbox"), body)
    assert headers["Content-Type"] == AP_JSON
    assert peer.headers[0]["Signature"] == f"signed POST {peer.url('/inbox')}"
    assert peer.headers[0]["Content-Type"] == AP_JSON
    assert peer.headers[0]["User-Agent"] == "Compagnon-test/1"


async def test_post_returns_errors_for_the_caller(peer: Peer, delivery: DeliveryClient) -> None:
    answer = await delivery.post_signed(
        peer.url("/inbox-error"), b"{}", signer=RecordingSigner(), allow_private=True
    )
    assert answer.status == 503
    assert answer.retry_after == "120"


async def test_post_does_not_follow_redirects(peer: Peer, delivery: DeliveryClient) -> None:
    answer = await delivery.post_signed(
        peer.url("/inbox-moved"), b"{}", signer=RecordingSigner(), allow_private=True
    )
    assert answer.status == 302
    assert peer.hits == ["/inbox-moved"]


async def test_post_reads_at_most_64_kib_of_the_answer(
    peer: Peer, delivery: DeliveryClient
) -> None:
    answer = await delivery.post_signed(
        peer.url("/inbox-chatty"), b"{}", signer=RecordingSigner(), allow_private=True
    )
    assert answer.status == 400
    assert len(answer.text) == MAX_ANSWER_BYTES


async def test_post_to_an_inbox_that_never_answers_times_out(
    peer: Peer, delivery: DeliveryClient
) -> None:
    with pytest.raises(FetchError) as raised:
        await delivery.post_signed(
            peer.url("/inbox-hang"), b"{}", signer=RecordingSigner(), allow_private=True
        )
    assert raised.value.status is None
    assert "within 0.5 s" in raised.value.reason


async def test_post_refuses_private_address(peer: Peer, delivery: DeliveryClient) -> None:
    signer = RecordingSigner()
    with pytest.raises(FetchError) as raised:
        await delivery.post_signed(peer.url("/inbox"), b"{}", signer=signer, allow_private=False)
    assert raised.value.status is None
    assert peer.hits == [] and signer.calls == []


async def test_post_network_error(delivery: DeliveryClient) -> None:
    with pytest.raises(FetchError) as raised:
        await delivery.post_signed(
            f"http://127.0.0.1:{_closed_port()}/inbox",
            b"{}",
            signer=RecordingSigner(),
            allow_private=True,
        )
    assert raised.value.status is None
    assert "cannot connect" in raised.value.reason


# --- check_address -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "240.0.0.1",
        "[::1]",
        "[::]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
        "[fd00::1]",
        "[fe80::1]",
        "[fec0::1]",
        "[ff02::1]",
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
        "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
        "[2001:db8::1]",
        "localhost",  # a name: resolved (from /etc/hosts) to loopback
    ],
)
async def test_non_public_addresses_are_refused(host: str) -> None:
    with pytest.raises(FetchError) as raised:
        await check_address(f"https://{host}/users/a", allow_private=False)
    assert "not a public address" in raised.value.reason
    await check_address(f"https://{host}/users/a", allow_private=True)  # tests, local networks


@pytest.mark.parametrize(
    "host",
    [
        "93.184.216.34",
        "8.8.8.8",
        "[2606:4700::1111]",
        "[::ffff:93.184.216.34]",
        "[64:ff9b::5db8:d822]",  # NAT64 of 93.184.216.34: IPv6-only hosts reach peers this way
    ],
)
async def test_public_literals_pass_without_any_lookup(host: str) -> None:
    await check_address(f"https://{host}:8443/users/a", allow_private=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "is not http or https"),
        ("ftp://93.184.216.34/", "is not http or https"),
        ("javascript:alert(1)", "is not http or https"),
        ("//93.184.216.34/x", "is not http or https"),
        ("http:///path", "no host"),
        ("http://[::1/", "not a valid URL"),
    ],
)
async def test_malformed_urls_are_refused(url: str, reason: str) -> None:
    for allow_private in (False, True):
        with pytest.raises(FetchError) as raised:
            await check_address(url, allow_private=allow_private)
        assert reason in raised.value.reason
