"""The streaming API over HTTP (server-sent events), the form Mastodon.py and several apps
use: `GET /api/v1/streaming/user` (home updates and notifications), `/user/notification`,
`/public` and `/public/local`. Each open stream looks for what is new every POLL seconds
(new home entries, notifications, public statuses, by id), so it sees what any process
sharing the database wrote; every stream needs a token; a comment line every HEARTBEAT
seconds keeps proxies from closing it. Events: `update` (a Status) and `notification`, the
payload one JSON line.

`GET /api/v1/streaming` is the WebSocket form (Elk, Phanpy, masto.js): the same streams,
chosen by `stream=` and subscribe messages. Not served: `delete` and `status.update`
events, hashtag and list streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from typing import Any

import orjson
from aiohttp import WSMsgType, web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.server.api import entities
from compagnon.server.api.base import CORS, ApiError, Caller, caller, error_answer
from compagnon.server.api.notifications import API_KINDS, _entity
from compagnon.server.keys import SESSIONS, SETTINGS, STOP
from compagnon.server.views.social import _can_read
from compagnon.storage.models import Actor, Notification, Object, TimelineEntry
from compagnon.storage.queries.search import hidden_authors

POLL = 1.0  # seconds between looks at the database
HEARTBEAT = 15.0  # as Mastodon
BATCH = 20
KINDS = tuple(k for kinds in API_KINDS.values() for k in kinds)
# Set when the server shuts down: open streams end at once (aiohttp waits for running
# handlers before it runs the cleanup contexts, where the app's STOP is set).
_CLOSING: weakref.WeakKeyDictionary[web.Application, asyncio.Event] = weakref.WeakKeyDictionary()


def _closing(app: web.Application) -> asyncio.Event:
    return _CLOSING.setdefault(app, asyncio.Event())


async def close_streams(app: web.Application) -> None:
    """on_shutdown: end every open stream."""
    _closing(app).set()


class _Cursor:
    """The last ids an open stream has sent (it starts at what exists when it opens)."""

    def __init__(self) -> None:
        self.entry = 0
        self.notification = 0
        self.public = 0


async def _start(session: AsyncSession, cursor: _Cursor, who: Caller | None) -> None:
    cursor.public = int(await session.scalar(select(func.max(Object.id))) or 0)
    if who is not None and who.user is not None and who.actor is not None:
        cursor.entry = int(
            await session.scalar(
                select(func.max(TimelineEntry.id)).where(TimelineEntry.user_id == who.user.id)
            )
            or 0
        )
        cursor.notification = int(
            await session.scalar(
                select(func.max(Notification.id)).where(Notification.recipient_id == who.actor.id)
            )
            or 0
        )


async def _home_updates(
    session: AsyncSession, cursor: _Cursor, who: Caller, base: str
) -> list[tuple[str, dict[str, Any]]]:
    assert who.user is not None and who.actor is not None
    rows = (
        await session.execute(
            select(TimelineEntry.id, Object, Actor)
            .join(Object, Object.id == TimelineEntry.object_id)
            .join(Actor, Actor.id == Object.actor_id)
            .where(TimelineEntry.user_id == who.user.id, TimelineEntry.id > cursor.entry)
            .order_by(TimelineEntry.id)
            .limit(BATCH)
        )
    ).all()
    if rows:
        cursor.entry = rows[-1][0]
    pairs = [(o, a) for _i, o, a in rows if o.deleted_at is None and a.suspended_at is None]
    loaded = await entities.load(session, pairs, base, who.actor.id)
    return [("update", entities.status(o, a, loaded)) for o, a in pairs]


async def _notifications(
    session: AsyncSession, cursor: _Cursor, who: Caller, base: str
) -> list[tuple[str, dict[str, Any]]]:
    assert who.user is not None and who.actor is not None
    rows = (
        await session.execute(
            select(Notification, Actor)
            .outerjoin(Actor, Actor.id == Notification.actor_id)
            .where(
                Notification.recipient_id == who.actor.id,
                Notification.id > cursor.notification,
            )
            .order_by(Notification.id)
            .limit(BATCH)
        )
    ).all()
    if rows:
        cursor.notification = rows[-1][0].id
    found = []
    for row, actor in rows:
        if row.kind in KINDS:
            entity = await _entity(session, row, actor, who.user, base)
            if entity is not None:
                found.append(("notification", entity))
    return found


async def _public(
    session: AsyncSession, cursor: _Cursor, who: Caller | None, base: str, local: bool
) -> list[tuple[str, dict[str, Any]]]:
    query = (
        select(Object, Actor)
        .join(Actor, Actor.id == Object.actor_id)
        .where(
            Object.id > cursor.public,
            Object.deleted_at.is_(None),
            Object.visibility == "public",
            Actor.id.not_in(hidden_authors()),
        )
        .order_by(Object.id)
        .limit(BATCH)
    )
    if local:
        query = query.where(Object.is_local.is_(True))
    rows = (await session.execute(query)).all()
    if rows:
        cursor.public = rows[-1][0].id
    pairs = [(o, a) for o, a in rows if await _can_read(session, o, None)]
    viewer = who.actor.id if who is not None and who.actor is not None else None
    loaded = await entities.load(session, pairs, base, viewer)
    return [("update", entities.status(o, a, loaded)) for o, a in pairs]


async def _collect(
    request: web.Request, streams: set[str], cursor: _Cursor, who: Caller | None
) -> list[tuple[str, str, dict[str, Any]]]:
    """(stream, event, payload) of what is new for the streams asked."""
    base = request.app[SETTINGS].base_url
    found: list[tuple[str, str, dict[str, Any]]] = []
    async with request.app[SESSIONS]() as session:
        if "user" in streams and who is not None and who.user is not None:
            found += [("user", e, p) for e, p in await _home_updates(session, cursor, who, base)]
        notified = {"user", "user:notification"} & streams
        if notified and who is not None and who.user is not None:
            name = "user" if "user" in streams else "user:notification"
            found += [(name, e, p) for e, p in await _notifications(session, cursor, who, base)]
        for public in ("public", "public:local"):
            if public in streams:
                local = public == "public:local"
                found += [
                    (public, e, p) for e, p in await _public(session, cursor, who, base, local)
                ]
    return found


async def _open(request: web.Request, stream: str) -> web.StreamResponse:
    try:
        # Every stream needs a token (an app's own will do for the public ones): an open
        # connection costs a poll a second, not something to hand to anyone who asks.
        who: Caller | None = await caller(request, "read:statuses", user=stream.startswith("user"))
    except ApiError as exc:
        return error_answer(exc.status, exc.message)
    cursor = _Cursor()
    async with request.app[SESSIONS]() as session:
        await _start(session, cursor, who)
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
                await response.write(
                    b"event: " + event.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"
                )
                last_write = time.monotonic()
            if time.monotonic() - last_write >= HEARTBEAT:
                await response.write(b":thump\n\n")
                last_write = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL)
    return response


async def user(request: web.Request) -> web.StreamResponse:
    return await _open(request, "user")


async def user_notification(request: web.Request) -> web.StreamResponse:
    return await _open(request, "user:notification")


async def public(request: web.Request) -> web.StreamResponse:
    local = request.query.get("local", "").lower() in ("1", "true")
    return await _open(request, "public:local" if local else "public")


async def public_local(request: web.Request) -> web.StreamResponse:
    return await _open(request, "public:local")


STREAMS = {"user", "user:notification", "public", "public:local"}


async def websocket(request: web.Request) -> web.StreamResponse:
    """`/api/v1/streaming` as a WebSocket (Elk, Phanpy, masto.js, most phone apps): the token
    in `access_token`, the Authorization header or the WebSocket protocol; streams from the
    `stream` parameter and `{"type": "subscribe", "stream": ...}` messages; each event a
    message `{"stream": [name], "event": ..., "payload": "<JSON text>"}`."""
    protocol = request.headers.get("Sec-WebSocket-Protocol", "").strip()
    token = request.query.get("access_token", "") or protocol
    try:
        who = await caller(request, "read:statuses", user=False, token=token or None)
    except ApiError as exc:
        return error_answer(exc.status, exc.message)
    streams = {request.query["stream"]} & STREAMS if "stream" in request.query else set()
    ws = web.WebSocketResponse(protocols=(protocol,) if protocol else (), heartbeat=HEARTBEAT)
    await ws.prepare(request)
    cursor = _Cursor()
    async with request.app[SESSIONS]() as session:
        await _start(session, cursor, who)

    async def listen() -> None:
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                asked = orjson.loads(message.data)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(asked, dict) or asked.get("stream") not in STREAMS:
                continue
            if asked["stream"].startswith("user") and who.user is None:
                continue  # an app's own token reads public streams only
            if asked.get("type") == "subscribe":
                streams.add(asked["stream"])
            elif asked.get("type") == "unsubscribe":
                streams.discard(asked["stream"])

    if who.user is None:
        streams -= {"user", "user:notification"}
    listener = asyncio.create_task(listen())
    stop = _closing(request.app)
    try:
        while not listener.done() and not stop.is_set() and not request.app[STOP].is_set():
            for name, event, payload in await _collect(request, streams, cursor, who):
                await ws.send_json(
                    {"stream": [name], "event": event, "payload": orjson.dumps(payload).decode()}
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
