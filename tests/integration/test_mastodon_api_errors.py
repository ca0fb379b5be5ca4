"""The errors apps rely on, through the Mastodon client API over real HTTP on loopback:
Mastodon's JSON `{"error": "..."}` for 401, 403, 404 and 400, CORS preflight and rate-limit
headers; an unreadable form body is a 422 that registers nothing; header bytes that are not
UTF-8 are refused as apps expect. Sign-in as in test_mastodon_api.py."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from mastodon.errors import MastodonAPIError, MastodonNotFoundError
from sqlalchemy import func, select

from compagnon.storage.models import OAuthApp, User
from compagnon.storage.queries import oauth
from tests.conftest import NodeFactory
from tests.support.mastodon_app import call, sign_in_app
from tests.support.nodes import Node


async def test_errors_are_mastodons_json(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    api, client_id, client_secret = await sign_in_app(a, "maria")
    async with httpx.AsyncClient(base_url=a.base) as http:
        bad = await http.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": "Bearer nope"}
        )
        assert bad.status_code == 401 and "error" in bad.json()
        assert bad.headers["Access-Control-Allow-Origin"] == "*"
        # An app token of client credentials, read only: writing is out of its scopes.
        answer = await http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "scope": "read",
            },
        )
        app_token = answer.json()["access_token"]
        read_only = {"Authorization": f"Bearer {app_token}"}
        app = (await http.get("/api/v1/apps/verify_credentials", headers=read_only)).json()
        assert app["name"] == "Tusky test"
        no_user = await http.get("/api/v1/accounts/verify_credentials", headers=read_only)
        assert no_user.status_code == 422 and "error" in no_user.json()
        refused = await http.post("/api/v1/statuses", data={"status": "hi"}, headers=read_only)
        assert refused.status_code == 403 and "error" in refused.json()
        public = await http.get("/api/v1/timelines/public", headers=read_only)
        assert public.status_code == 200 and public.json() == []
        assert public.headers["X-RateLimit-Limit"] == "300"
        assert int(public.headers["X-RateLimit-Remaining"]) < 300
        unknown = await http.get("/api/v1/statuses/999999", headers=read_only)
        assert unknown.status_code == 404 and unknown.json() == {"error": "Record not found"}
        nowhere = await http.get("/api/v1/nothing/here")
        assert nowhere.status_code == 404 and "error" in nowhere.json()
        bad_id = await http.get("/api/v1/timelines/public?max_id=abc")
        assert bad_id.status_code == 400 and "error" in bad_id.json()
        preflight = await http.options(
            "/api/v1/statuses",
            headers={"Origin": "https://elk.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 204
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
        # Apps often send JSON bodies; a broken one is a 422, not a 500.
        user_token = {"Authorization": f"Bearer {api.access_token}"}
        posted = await http.post(
            "/api/v1/statuses",
            json={"status": "From a JSON body", "visibility": "unlisted", "sensitive": False},
            headers=user_token,
        )
        assert posted.status_code == 200 and posted.json()["visibility"] == "unlisted"
        broken = await http.post(
            "/api/v1/statuses",
            content=b"{not json",
            headers={**user_token, "Content-Type": "application/json"},
        )
        assert broken.status_code == 422 and "error" in broken.json()
        meta = (await http.get("/.well-known/oauth-authorization-server")).json()
        assert meta["code_challenge_methods_supported"] == ["S256"]
    with pytest.raises(MastodonNotFoundError):
        await call(api.account, "424242")
    with pytest.raises(MastodonAPIError):
        await call(api.status_post, "")


async def test_an_unreadable_form_body_is_a_json_422_and_registers_nothing(
    make_node: NodeFactory,
) -> None:
    """Bodies aiohttp's form parser gives up on (an unknown charset, a multipart part header
    without a colon) were 500s on /api/v1/apps and /oauth/token: the hostile corpus's API
    family found them."""
    a = await make_node("a")
    broken = [
        ("application/x-www-form-urlencoded; charset=klingon", b"client_name=Odd"),
        (
            "multipart/form-data; boundary=b",
            b"--b\r\nno colon here\r\n\r\nOdd\r\n--b--\r\n",
        ),
        (
            "multipart/form-data; boundary=b",
            b"--b\r\nContent-Type: text/plain; charset=klingon\r\n"
            b'Content-Disposition: form-data; name="client_name"\r\n\r\nOdd\r\n--b--\r\n',
        ),
    ]
    async with httpx.AsyncClient(base_url=a.base) as http:
        for path in ("/api/v1/apps", "/oauth/token", "/oauth/revoke"):
            for kind, body in broken:
                answer = await http.post(path, content=body, headers={"Content-Type": kind})
                assert answer.status_code == 422, (path, kind)
                assert answer.json() == {"error": "the request could not be read"}
    async with a.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OAuthApp)) == 0


async def raw_post(node: Node, path: str, headers: bytes, body: bytes) -> tuple[int, Any]:
    """A request written byte by byte (no client library sends header bytes that are not
    UTF-8): its status and JSON body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", node.port)
    head = b"POST %s HTTP/1.1\r\nHost: %s\r\n" % (path.encode(), node.domain.encode())
    head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    writer.write(head + headers + b"Connection: close\r\n\r\n" + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status_line, _sep, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), orjson.loads(rest.partition(b"\r\n\r\n")[2])


async def test_header_bytes_that_are_not_utf8_are_refused_as_apps_expect(
    make_node: NodeFactory, backend: str
) -> None:
    """A token or an Idempotency-Key of bytes that are not UTF-8 reached the database as
    text it cannot hold: a 422 saying "'utf-8' codec can't encode ...". Now the token is
    simply unknown (401) and the key is kept with U+FFFD in place of the bytes."""
    a = await make_node("a", backend=backend)
    await a.create_user("maria")
    async with a.sessions.begin() as session:
        maria = await session.scalar(select(User.id))
        app, _secret = await oauth.register_app(
            session, "App", ["urn:ietf:wg:oauth:2.0:oob"], "write", None
        )
        _row, token = await oauth.issue_token(session, app.id, maria, "write")
    status_body = b'{"status": "Once only"}'
    for header in (b"Authorization: Bearer \xff\xfe\r\n", b"Authorization: Basic \xff\r\n"):
        status, answer = await raw_post(a, "/api/v1/statuses", header, status_body)
        assert (status, answer) == (401, {"error": "The access token is invalid"})
    bearer = b"Authorization: Bearer %s\r\n" % token.encode()
    twice = bearer + b"Idempotency-Key: \xff\xfeonce\r\n"
    first = await raw_post(a, "/api/v1/statuses", twice, status_body)
    again = await raw_post(a, "/api/v1/statuses", twice, status_body)
    assert first[0] == again[0] == 200 and first[1]["id"] == again[1]["id"]
    bad_grant = await raw_post(a, "/oauth/token", b"Authorization: Basic \xff\r\n", b"{}")
    assert bad_grant[0] == 401 and bad_grant[1]["error"] == "invalid_client"
