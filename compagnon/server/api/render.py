"""From rows to answers: a page of statuses (with the Link header), one status, the
keyset of the paging parameters in publication time (timelines page by publication)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.i18n import _
from compagnon.server.api import entities
from compagnon.server.api.base import ApiError, Page, json_answer, link_header
from compagnon.server.keys import SETTINGS
from compagnon.server.views.social import _can_read
from compagnon.storage.models import Actor, Object, User
from compagnon.storage.queries.timelines import Item


async def published_of(session: AsyncSession, object_id: int | None) -> datetime | None:
    """The publication time of the status `object_id`: the keyset `max_id` and friends stand
    for. An unknown id is a 404 rather than a page of everything."""
    if object_id is None:
        return None
    when = await session.scalar(select(Object.published).where(Object.id == object_id))
    if when is None:
        raise ApiError(404, _("Record not found"))
    return when


async def keyset(
    session: AsyncSession, page: Page
) -> tuple[datetime | None, datetime | None, bool]:
    """(before, after, ascending) for the timeline queries."""
    before = await published_of(session, page.max_id)
    if page.min_id is not None:
        return before, await published_of(session, page.min_id), True
    return before, await published_of(session, page.since_id), False


async def statuses_answer(
    request: web.Request,
    session: AsyncSession,
    items: list[Item],
    viewer: Actor | None,
    *,
    ascending: bool = False,
) -> web.Response:
    if ascending:  # a min_id page is chosen oldest first and answered newest first
        items = list(reversed(items))
    base = request.app[SETTINGS].base_url
    loaded = await entities.load(
        session, [(i.obj, i.author) for i in items], base, viewer.id if viewer else None
    )
    for item in items:
        if item.shared_by is not None and item.shared_by.id not in loaded.accounts:
            loaded.accounts[item.shared_by.id] = await entities.account(
                session, item.shared_by, base
            )
    body = [entities.status(i.obj, i.author, loaded, shared_by=i.shared_by) for i in items]
    return json_answer(body, headers=link_header(request, [i.obj.id for i in items]))


async def one_status(
    request: web.Request, session: AsyncSession, obj: Object, author: Actor, viewer: Actor | None
) -> dict[str, object]:
    base = request.app[SETTINGS].base_url
    loaded = await entities.load(session, [(obj, author)], base, viewer.id if viewer else None)
    return entities.status(obj, author, loaded)


async def readable_status(
    session: AsyncSession, status_id: str, user: User | None
) -> tuple[Object, Actor]:
    """The status `status_id` if this reader may see it, else a 404 (Mastodon's answer for
    both unknown and hidden statuses)."""
    obj = (
        await session.get(Object, int(status_id))
        if status_id.isascii() and status_id.isdigit() and len(status_id) < 19
        else None
    )
    if obj is None or obj.deleted_at is not None:
        raise ApiError(404, _("Record not found"))
    author = await session.get(Actor, obj.actor_id)
    if author is None or author.suspended_at is not None or not await _can_read(session, obj, user):
        raise ApiError(404, _("Record not found"))
    return obj, author
