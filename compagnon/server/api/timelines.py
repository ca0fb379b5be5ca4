"""GET /api/v1/timelines/home and /public (`local=true` for this centre): the same queries
as the web pages (storage/queries/timelines.py), paged by max_id / since_id / min_id."""

from __future__ import annotations

from aiohttp import web

from compagnon.domain import hashtags
from compagnon.i18n import _
from compagnon.server.api.base import (
    ApiError,
    api_view,
    caller,
    maybe_caller,
    me,
    page_of,
    truthy,
)
from compagnon.server.api.render import keyset, statuses_answer
from compagnon.server.keys import SESSIONS
from compagnon.storage.queries import timelines


@api_view
async def home(request: web.Request) -> web.StreamResponse:
    user, actor = me(await caller(request, "read:statuses"))
    page = page_of(request)
    async with request.app[SESSIONS]() as session:
        before, after, ascending = await keyset(session, page)
        items = await timelines.home(
            session,
            user.id,
            actor.id,
            before=before,
            after=after,
            ascending=ascending,
            limit=page.limit,
        )
        return await statuses_answer(request, session, items, actor, ascending=ascending)


@api_view
async def public(request: web.Request) -> web.StreamResponse:
    who = await maybe_caller(request, "read:statuses")
    page = page_of(request)
    query = timelines.centre if truthy(request.query.get("local")) else timelines.network
    if truthy(request.query.get("remote")):
        query = timelines.network
    async with request.app[SESSIONS]() as session:
        before, after, ascending = await keyset(session, page)
        items = await query(
            session, before=before, after=after, ascending=ascending, limit=page.limit
        )
        if truthy(request.query.get("remote")):
            items = [i for i in items if not i.obj.is_local]
        viewer = who.actor if who else None
        return await statuses_answer(request, session, items, viewer, ascending=ascending)


@api_view
async def tag(request: web.Request) -> web.StreamResponse:
    """Public statuses with the hashtag (`/tags/NAME` on the web), local and remote."""
    who = await maybe_caller(request, "read:statuses")
    name = hashtags.page_name(request.match_info["hashtag"])
    if name is None:
        raise ApiError(404, _("Record not found"))
    page = page_of(request)
    async with request.app[SESSIONS]() as session:
        before, after, ascending = await keyset(session, page)
        items = await timelines.tagged(
            session, name, before=before, after=after, ascending=ascending, limit=page.limit
        )
        if truthy(request.query.get("local")):
            items = [i for i in items if i.obj.is_local]
        viewer = who.actor if who else None
        return await statuses_answer(request, session, items, viewer, ascending=ascending)
