"""GET /api/v1/notifications (and one by id): what happened to me, in Mastodon's types
(a reply is a `mention`, a like a `favourite`, a share a `reblog`). Kinds Mastodon has no
type for (attendance of an event, a remix) are left out of the API; the web page shows them."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.i18n import _
from compagnon.server.api import entities
from compagnon.server.api.base import (
    ApiError,
    api_view,
    caller,
    json_answer,
    link_header,
    me,
    page_of,
)
from compagnon.server.keys import SESSIONS, SETTINGS
from compagnon.server.views.social import _can_read
from compagnon.storage.models import Actor, Notification, User
from compagnon.storage.queries import notifications
from compagnon.storage.queries import objects as object_queries

API_KINDS = {
    v: [k for k, t in entities.NOTIFICATION_TYPES.items() if t == v]
    for v in set(entities.NOTIFICATION_TYPES.values())
}


async def _entity(
    session: AsyncSession, row: Notification, who: Actor | None, user: User, base: str
) -> dict[str, object] | None:
    if who is None:
        return None
    status = None
    if row.object_uri:
        obj = await object_queries.by_uri(session, row.object_uri)
        if obj is not None and obj.deleted_at is None and await _can_read(session, obj, user):
            author = await session.get(Actor, obj.actor_id)
            assert author is not None
            loaded = await entities.load(session, [(obj, author)], base, user.actor_id)
            status = entities.status(obj, author, loaded)
    account = await entities.account(session, who, base)
    return entities.notification(row, account, status)


def _kinds(request: web.Request) -> tuple[str, ...]:
    wanted = request.query.getall("types[]", []) or list(API_KINDS)
    excluded = set(request.query.getall("exclude_types[]", []))
    return tuple(k for t in wanted if t not in excluded for k in API_KINDS.get(t, []))


@api_view
async def index(request: web.Request) -> web.StreamResponse:
    user, actor = me(await caller(request, "read:notifications"))
    page = page_of(request, default=15, maximum=30)
    base = request.app[SETTINGS].base_url
    async with request.app[SESSIONS]() as session:
        rows = await notifications.latest(
            session,
            actor.id,
            limit=page.limit,
            before_id=page.max_id,
            after_id=page.min_id or page.since_id,
            ascending=page.min_id is not None,
            kinds=_kinds(request),
        )
        if page.min_id is not None:
            rows.reverse()
        body = [e for n, a in rows if (e := await _entity(session, n, a, user, base))]
    return json_answer(body, headers=link_header(request, [n.id for n, _a in rows]))


@api_view
async def get(request: web.Request) -> web.StreamResponse:
    user, actor = me(await caller(request, "read:notifications"))
    text = request.match_info["id"]
    async with request.app[SESSIONS]() as session:
        row = (
            await session.get(Notification, int(text))
            if text.isascii() and text.isdigit() and len(text) < 19
            else None
        )
        if (
            row is None
            or row.recipient_id != actor.id
            or row.kind not in entities.NOTIFICATION_TYPES
        ):
            raise ApiError(404, _("Record not found"))
        who = await session.get(Actor, row.actor_id) if row.actor_id else None
        entity = await _entity(session, row, who, user, request.app[SETTINGS].base_url)
    if entity is None:
        raise ApiError(404, _("Record not found"))
    return json_answer(entity)


@api_view
async def dismiss(request: web.Request) -> web.StreamResponse:
    _user, actor = me(await caller(request, "write:notifications"))
    text = request.match_info["id"]
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        raise ApiError(404, _("Record not found"))
    async with request.app[SESSIONS].begin() as session:
        if not await notifications.dismiss(session, actor.id, int(text)):
            raise ApiError(404, _("Record not found"))
    return json_answer({})


@api_view
async def clear(request: web.Request) -> web.StreamResponse:
    _user, actor = me(await caller(request, "write:notifications"))
    async with request.app[SESSIONS].begin() as session:
        await notifications.dismiss(session, actor.id)
    return json_answer({})
