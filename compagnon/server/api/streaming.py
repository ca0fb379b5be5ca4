"""The streaming API over HTTP (server-sent events), the form Mastodon.py and several apps
use: `GET /api/v1/streaming/user` (home updates and notifications), `/user/notification`,
`/public` and `/public/local`. Each open stream looks for what is new every POLL seconds
(new home entries, notifications, public statuses, by id), so it sees what any process
sharing the database wrote; every stream needs a token; a comment line every HEARTBEAT
seconds keeps proxies from closing it. Events: `update` (a Status) and `notification`, the
payload one JSON line.

Not served: the WebSocket form (`/api/v1/streaming` with subscribe messages) that Elk,
Phanpy and masto.js use, `delete` and `status.update` events, hashtag and list streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from typing import Any

import orjson
from aiohttp import web
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


async def _open(request: web.Request, stream: str) -> web.StreamResponse:
    try:
        # Every stream needs a token (an app's own will do for the public ones): an open
        # connection costs a poll a second, not something to hand to anyone who asks.
        who: Caller | None = await caller(request, "read:statuses", user=stream.startswith("user"))
    except ApiError as exc:
        return error_answer(exc.status, exc.message)
    base = request.app[SETTINGS].base_url
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
            async with request.app[SESSIONS]() as session:
                events: list[tuple[str, dict[str, Any]]] = []
                if stream == "user" and who is not None:
                    events += await _home_updates(session, cursor, who, base)
                if stream in ("user", "user:notification") and who is not None:
                    events += await _notifications(session, cursor, who, base)
                if stream in ("public", "public:local"):
                    events += await _public(session, cursor, who, base, stream == "public:local")
            for event, payload in events:
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


async def health(request: web.Request) -> web.StreamResponse:
    return web.Response(text="OK", headers=CORS)
