"""Bookmarks: `POST /api/v1/statuses/{id}/bookmark` and `/unbookmark`, `GET /api/v1/bookmarks`
(newest bookmark first, paged by the bookmark's id with Link headers, as Mastodon pages it).
Private to the caller: nothing is sent to anyone (storage/queries/bookmarks.py)."""

from __future__ import annotations

from aiohttp import web

from compagnon.server.api import entities
from compagnon.server.api.base import api_view, caller, json_answer, link_header, me, page_of
from compagnon.server.api.render import one_status, readable_status
from compagnon.server.keys import SESSIONS, SETTINGS
from compagnon.server.views.social import _can_read
from compagnon.storage.queries import bookmarks


async def _mark(request: web.Request, *, keep: bool) -> web.StreamResponse:
    user, actor = me(await caller(request, "write:bookmarks"))
    async with request.app[SESSIONS].begin() as session:
        obj, author = await readable_status(session, request.match_info["id"], user)
        if keep:
            await bookmarks.add(session, actor.id, obj.id)
        else:
            await bookmarks.remove(session, actor.id, obj.id)
    async with request.app[SESSIONS]() as session:
        return json_answer(await one_status(request, session, obj, author, actor))


@api_view
async def bookmark(request: web.Request) -> web.StreamResponse:
    return await _mark(request, keep=True)


@api_view
async def unbookmark(request: web.Request) -> web.StreamResponse:
    return await _mark(request, keep=False)


@api_view
async def index(request: web.Request) -> web.StreamResponse:
    user, actor = me(await caller(request, "read:bookmarks"))
    page = page_of(request)
    async with request.app[SESSIONS]() as session:
        rows = await bookmarks.page(
            session,
            actor.id,
            limit=page.limit,
            before_id=page.max_id,
            after_id=page.min_id or page.since_id,
            ascending=page.min_id is not None,
        )
        if page.min_id is not None:  # chosen oldest first, answered newest first
            rows.reverse()
        # A followers-only status stays listed only while its reader may still read it.
        kept = [row for row in rows if await _can_read(session, row[1], user)]
        pairs = [(obj, author) for _id, obj, author in kept]
        loaded = await entities.load(session, pairs, request.app[SETTINGS].base_url, actor.id)
        body = [entities.status(obj, author, loaded) for obj, author in pairs]
    # The links page by bookmark id, not status id (as Mastodon's do): read from all the
    # rows chosen, so a status hidden on this page does not end the paging.
    return json_answer(body, headers=link_header(request, [bid for bid, _o, _a in rows]))
