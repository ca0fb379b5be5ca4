"""The streaming API over HTTP (server-sent events), the form Mastodon.py and several apps
use: `GET /api/v1/streaming/user` (home updates and notifications), `/user/notification`,
`/public`, `/public/local`, `/hashtag?tag=NAME` and `/hashtag/local?tag=NAME`. Each open
stream looks for what is new every POLL seconds (stream_feed.py: new home entries,
notifications, public statuses, edits and deletions), so it sees what any process sharing
the database wrote; every stream needs a token; a comment line every HEARTBEAT seconds keeps
proxies from closing it. Events: `update` and `status.update` (a Status), `notification`,
`delete` (a status id); the payload one line.

`GET /api/v1/streaming` is the WebSocket form (Elk, Phanpy, masto.js): the same streams,
chosen by `stream=` (and `tag=`) and subscribe messages. Not served: list streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from compagnon.i18n import _
from compagnon.server.api import stream_feed
from compagnon.server.api.base import CORS, ApiError, Caller, caller, error_answer
from compagnon.server.api.stream_feed import Stream
from compagnon.server.keys import SESSIONS, SETTINGS, STOP

POLL = 1.0  # seconds between looks at the database
HEARTBEAT = 15.0  # as Mastodon
# Set when the server shuts down: open streams end at once (aiohttp waits for running
# handlers before it runs the cleanup contexts, where the app's STOP is set).
_CLOSING: weakref.WeakKeyDictionary[web.Application, asyncio.Event] = weakref.WeakKeyDictionary()


def _closing(app: web.Application) -> asyncio.Event:
    return _CLOSING.setdefault(app, asyncio.Event())


async def close_streams(app: web.Application) -> None:
    """on_shutdown: end every open stream."""
    _closing(app).set()


async def _collect(
    request: web.Request, streams: set[Stream], cursor: stream_feed.Cursor, who: Caller | None
) -> list[stream_feed.Event]:
    async with request.app[SESSIONS]() as session:
        return await stream_feed.collect(
            session, streams, cursor, who, request.app[SETTINGS].base_url
        )


def _text(payload: dict[str, Any] | str) -> str:
    """An event's payload as Mastodon sends it: a status id as it is, the rest JSON."""
    return payload if isinstance(payload, str) else orjson.dumps(payload).decode()


def stream_of(name: object, tag: object) -> Stream | None:
    """The stream a client names (`stream`, and `tag` for the hashtag ones), or None."""
    if name in NAMED:
        return (str(name),)
    if name in ("hashtag", "hashtag:local") and isinstance(tag, str):
        found = stream_feed.tag_name(tag)
        return (str(name), found) if found else None
    return None


async def _open(request: web.Request, stream: Stream | None) -> web.StreamResponse:
    try:
        # Every stream needs a token (an app's own will do for the public ones): an open
        # connection costs a poll a second, not something to hand to anyone who asks.
        personal = stream is not None and stream[0].startswith("user")
        who: Caller | None = await caller(request, "read:statuses", user=personal)
    except ApiError as exc:
        return error_answer(exc.status, exc.message)
    if stream is None:
        return error_answer(400, _("No tag specified"))
    cursor = stream_feed.Cursor()
    async with request.app[SESSIONS]() as session:
        await stream_feed.start(session, cursor, who)
    response = web.StreamResponse(
        headers={**CORS, "Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    await response.write(b":)\n\n")
    stop = _closing(request.app)
    last_write = time.monotonic()
    with contextlib.suppress(ConnectionError, asyncio.CancelledError):
        while not stop.is_set() and not request.app[STOP].is_set():
            if request.transport is None or request.transport.is_closing():
                break  # the app went away
            for _stream, event, payload in await _collect(request, {stream}, cursor, who):
                line = f"event: {event}\ndata: {_text(payload)}\n\n"
                await response.write(line.encode())
                last_write = time.monotonic()
            if time.monotonic() - last_write >= HEARTBEAT:
                await response.write(b":thump\n\n")
                last_write = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL)
    return response


async def user(request: web.Request) -> web.StreamResponse:
    return await _open(request, ("user",))


async def user_notification(request: web.Request) -> web.StreamResponse:
    return await _open(request, ("user:notification",))


async def public(request: web.Request) -> web.StreamResponse:
    local = request.query.get("local", "").lower() in ("1", "true")
    return await _open(request, ("public:local",) if local else ("public",))


async def public_local(request: web.Request) -> web.StreamResponse:
    return await _open(request, ("public:local",))


async def hashtag(request: web.Request) -> web.StreamResponse:
    """`/api/v1/streaming/hashtag?tag=NAME` (and `local=true`): public statuses with it."""
    local = request.query.get("local", "").lower() in ("1", "true")
    name = "hashtag:local" if local else "hashtag"
    return await _open(request, stream_of(name, request.query.get("tag", "")))


async def hashtag_local(request: web.Request) -> web.StreamResponse:
    return await _open(request, stream_of("hashtag:local", request.query.get("tag", "")))


NAMED = {"user", "user:notification", "public", "public:local"}
MAX_SUBSCRIPTIONS = 50  # streams one WebSocket may hold (each tag is one)


async def websocket(request: web.Request) -> web.StreamResponse:
    """`/api/v1/streaming` as a WebSocket (Elk, Phanpy, masto.js, most phone apps): the token
    in `access_token`, the Authorization header or the WebSocket protocol; streams from the
    `stream` (and `tag`) parameters and `{"type": "subscribe", "stream": ..., "tag": ...}`
    messages; each event a message `{"stream": [name(, tag)], "event": ..., "payload": ...}`,
    the payload JSON text (a status id as it is, for `delete`)."""
    protocol = request.headers.get("Sec-WebSocket-Protocol", "").strip()
    token = request.query.get("access_token", "") or protocol
    try:
        who = await caller(request, "read:statuses", user=False, token=token or None)
    except ApiError as exc:
        return error_answer(exc.status, exc.message)
    first = stream_of(request.query.get("stream"), request.query.get("tag"))
    streams: set[Stream] = {first} if first is not None else set()
    if who.user is None:
        streams = {s for s in streams if not s[0].startswith("user")}
    # The cursor is placed before the handshake answers: whatever a client does once it is
    # connected comes after it, and is heard.
    cursor = stream_feed.Cursor()
    async with request.app[SESSIONS]() as session:
        await stream_feed.start(session, cursor, who)
    ws = web.WebSocketResponse(protocols=(protocol,) if protocol else (), heartbeat=HEARTBEAT)
    await ws.prepare(request)

    async def listen() -> None:
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                asked = orjson.loads(message.data)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(asked, dict):
                continue
            stream = stream_of(asked.get("stream"), asked.get("tag"))
            if stream is None:
                continue
            if stream[0].startswith("user") and who.user is None:
                continue  # an app's own token reads public streams only
            if asked.get("type") == "subscribe" and len(streams) < MAX_SUBSCRIPTIONS:
                streams.add(stream)
            elif asked.get("type") == "unsubscribe":
                streams.discard(stream)

    listener = asyncio.create_task(listen())
    stop = _closing(request.app)
    try:
        while not listener.done() and not stop.is_set() and not request.app[STOP].is_set():
            for stream, event, payload in await _collect(request, set(streams), cursor, who):
                await ws.send_json(
                    {"stream": list(stream), "event": event, "payload": _text(payload)}
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(listener), POLL)
    except ConnectionError:
        pass
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await listener
        await ws.close()
    return ws


async def health(request: web.Request) -> web.StreamResponse:
    return web.Response(text="OK", headers=CORS)
