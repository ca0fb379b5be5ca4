"""Anyone can send garbage to the port or hang up halfway: the log gets one short line for
each, never an ERROR with a stack trace (issue 8, item 12)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import pytest
from sqlalchemy import select

from compagnon.server import auth
from compagnon.server.keys import SECRET
from compagnon.storage.models import User
from tests.conftest import NodeFactory
from tests.support.nodes import Node

GARBAGE = [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(64)),  # a TLS hello
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"POST /inbox HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /inbox HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\n",
    b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n\r\n2\r\na=\r\nzz\r\n",
    b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd",
    b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20_000 + b"\r\n\r\n",
    b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"hello\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",
]


async def send_raw(node: Node, data: bytes, *, read: bool = True) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", node.port)
    try:
        writer.write(data)
        await writer.drain()
        if not read:
            return b""
        async with asyncio.timeout(10):
            return await reader.read(65536)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def abort_raw(node: Node, data: bytes, *, read: bool = False) -> bytes:
    """Send, then reset the connection (RST) instead of closing it."""
    _, writer = await asyncio.open_connection("127.0.0.1", node.port)
    writer.write(data)
    await writer.drain()
    writer.transport.abort()
    return b""


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records at ERROR, or with a stack trace at INFO and above."""
    return [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR or (r.exc_info and r.levelno >= logging.INFO)
    ]


async def test_malformed_http_is_one_short_line_not_a_traceback(
    make_node: NodeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    node = await make_node("a")
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    caplog.set_level(logging.DEBUG, logger="compagnon")
    for data in GARBAGE:
        answer = await send_raw(node, data)
        assert not answer or answer.startswith((b"HTTP/1.1 4", b"HTTP/1.0 4")), answer[:80]
    assert tracebacks(caplog) == []
    noted = [r for r in caplog.records if "bad HTTP" in r.getMessage()]
    assert noted, "each malformed request is still noted, briefly"
    assert all(r.levelno <= logging.WARNING and "\n" not in r.getMessage() for r in noted)


@pytest.mark.parametrize("path", ["/inbox", "/login", "/compose", "/users/maria/inbox"])
async def test_a_client_that_hangs_up_mid_body_leaves_no_traceback(
    make_node: NodeFactory, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    assert node.app is not None
    async with node.sessions() as session:
        user_id = await session.scalar(select(User.id))
    signed_in = auth.session_cookie(node.app[SECRET], int(user_id or 0))
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    caplog.set_level(logging.DEBUG, logger="compagnon")
    kind = "application/activity+json" if "inbox" in path else "application/x-www-form-urlencoded"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {node.domain}\r\nContent-Type: {kind}\r\n"
        f"Cookie: {auth.COOKIE}={signed_in}\r\nContent-Length: 100000\r\n\r\n"
    ).encode()
    for hang_up in [send_raw, abort_raw]:
        for _ in range(3):
            await hang_up(node, head + b'{"type": "Create", "actor": "', read=False)
    # The node still answers, and nothing it logged carries a trace.
    async with aiohttp.ClientSession() as http, http.get(node.base + "/") as response:
        assert response.status == 200
    assert tracebacks(caplog) == []
