"""Accounts: who I am, find one by handle or id, their statuses, follow / unfollow and the
relationships. Follow reuses publish.follow (the Follow goes out through the queue)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.outbox import publish
from compagnon.i18n import _
from compagnon.operations import follow_options
from compagnon.server.api import entities
from compagnon.server.api.base import (
    ApiError,
    api_view,
    caller,
    json_answer,
    link_header,
    maybe_caller,
    me,
    page_of,
    params,
    query_text,
    truthy,
)
from compagnon.server.keys import FEDERATION, RESOLVER, SESSIONS, SETTINGS, WORKER
from compagnon.server.views.social import _can_read
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries import notifications
from compagnon.storage.queries.timelines import READABLE


def _id(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        raise ApiError(404, _("Record not found"))
    return int(text)


async def _actor(session: object, text: str) -> Actor:
    actor = await session.get(Actor, _id(text))  # type: ignore[attr-defined]
    if actor is None or actor.suspended_at is not None:
        raise ApiError(404, _("Record not found"))
    assert isinstance(actor, Actor)
    return actor


@api_view
async def verify_credentials(request: web.Request) -> web.StreamResponse:
    _user, actor = me(await caller(request, "read:accounts"))
    async with request.app[SESSIONS]() as session:
        entity = await entities.account(session, actor, request.app[SETTINGS].base_url, source=True)
    return json_answer(entity)


@api_view
async def lookup(request: web.Request) -> web.StreamResponse:
    """By `acct`: `name` here, `name@host` as this node knows it (a WebFinger look-up is
    /api/v2/search with resolve=true)."""
    await maybe_caller(request, "read:accounts")
    handle = query_text(request, "acct", 300).removeprefix("@")
    name, _sep, host = handle.partition("@")
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        query = select(Actor).where(Actor.username == name, Actor.suspended_at.is_(None))
        if not host or host.lower() == settings.domain.lower():
            query = query.where(Actor.is_local.is_(True))
        else:
            query = query.where(Actor.domain == host.lower())
        actor = await session.scalar(query.limit(1))
        if actor is None:
            raise ApiError(404, _("Record not found"))
        return json_answer(await entities.account(session, actor, settings.base_url))


@api_view
async def get(request: web.Request) -> web.StreamResponse:
    await maybe_caller(request, "read:accounts")
    async with request.app[SESSIONS]() as session:
        actor = await _actor(session, request.match_info["id"])
        return json_answer(await entities.account(session, actor, request.app[SETTINGS].base_url))


@api_view
async def statuses(request: web.Request) -> web.StreamResponse:
    who = await maybe_caller(request, "read:statuses")
    page = page_of(request)
    viewer = who.actor if who else None
    async with request.app[SESSIONS]() as session:
        actor = await _actor(session, request.match_info["id"])
        query = select(Object).where(Object.actor_id == actor.id, Object.deleted_at.is_(None))
        if viewer is None or viewer.id != actor.id:
            query = query.where(Object.visibility.in_(READABLE))
        if truthy(request.query.get("exclude_replies")):
            query = query.where(Object.in_reply_to.is_(None))
        if truthy(request.query.get("pinned")):
            query = query.where(Object.id < 0)  # nothing is pinned here
        if truthy(request.query.get("exclude_direct")):
            query = query.where(Object.visibility != "direct")
        if page.max_id is not None:
            query = query.where(Object.id < page.max_id)
        floor = page.min_id or page.since_id
        if floor is not None:
            query = query.where(Object.id > floor)
        order = Object.id.asc() if page.min_id is not None else Object.id.desc()
        picky = status_filter(request)  # read from the stored document: a bounded scan
        chosen = query.order_by(order).limit(SCANNED if picky else page.limit)
        objects = [o for o in (await session.scalars(chosen)).all() if picky is None or picky(o)]
        objects = objects[: page.limit]
        if page.min_id is not None:
            objects.reverse()
        objects = [o for o in objects if await _can_read(session, o, who.user if who else None)]
        base = request.app[SETTINGS].base_url
        loaded = await entities.load(
            session, [(o, actor) for o in objects], base, viewer.id if viewer else None
        )
        body = [entities.status(o, actor, loaded) for o in objects]
    return json_answer(body, headers=link_header(request, [o.id for o in objects]))


SCANNED = 200  # statuses read to find a page of `only_media` or `tagged` ones


def status_filter(request: web.Request) -> Callable[[Object], bool] | None:
    """`only_media` (statuses with attachments) and `tagged` (with that hashtag), which the
    stored document answers; None when neither is asked."""
    media = truthy(request.query.get("only_media"))
    tag = query_text(request, "tagged", 100).removeprefix("#").lower()
    if not media and not tag:
        return None

    def keep(obj: Object) -> bool:
        if media and not entities._attachments(obj):
            return False
        return not tag or any(t["name"].lower() == tag for t in entities._tags(obj, ""))

    return keep


async def _relationship(session: AsyncSession, mine_id: int, other_id: int) -> dict[str, object]:
    mine = await follow_queries.get(session, mine_id, other_id)
    theirs = await follow_queries.get(session, other_id, mine_id)
    me_row = await session.get(Actor, mine_id)
    hidden = other_id in follow_queries.reblogs_hidden(me_row)
    return entities.relationship(other_id, mine, theirs, reblogs_hidden=hidden)


@api_view
async def follow(request: web.Request) -> web.StreamResponse:
    """Follow, or change an existing follow's options: `notify` (be told of each new post)
    and `reblogs` (false: her shares stay out of my home) are set when given and left as they
    are when not, as Mastodon does; a new follow shows the shares unless told otherwise."""
    _user, actor = me(await caller(request, "write:follows"))
    given = await params(request)
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        target = await _actor(session, request.match_info["id"])
        if target.id == actor.id:
            raise ApiError(403, _("You cannot follow yourself"))
        me_row = await session.get(Actor, actor.id)
        assert me_row is not None
        existing = await follow_queries.get(session, me_row.id, target.id)
        if existing is None:
            await publish.follow(session, ctx.urls, me_row, target)
            if target.is_local:
                await notifications.notify(session, target.id, "follow", me_row, None)
        # A new follow shows the shares unless told otherwise; an existing one keeps its
        # options but those given.
        shares = truthy(given["reblogs"]) if "reblogs" in given else None
        await follow_options.set_options(
            session,
            me_row,
            target.id,
            notify=truthy(given["notify"]) if "notify" in given else None,
            shares=True if shares is None and existing is None else shares,
        )
    request.app[WORKER].wake()
    async with request.app[SESSIONS]() as session:
        return json_answer(await _relationship(session, actor.id, target.id))


@api_view
async def unfollow(request: web.Request) -> web.StreamResponse:
    _user, actor = me(await caller(request, "write:follows"))
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        target = await _actor(session, request.match_info["id"])
        me_row = await session.get(Actor, actor.id)
        assert me_row is not None
        await publish.unfollow(session, ctx.urls, me_row, target)
    request.app[WORKER].wake()
    async with request.app[SESSIONS]() as session:
        return json_answer(await _relationship(session, actor.id, target.id))


@api_view
async def relationships(request: web.Request) -> web.StreamResponse:
    _user, actor = me(await caller(request, "read:follows"))
    ids = [*request.query.getall("id[]", []), *request.query.getall("id", [])][:40]
    async with request.app[SESSIONS]() as session:
        body = []
        for text in ids:
            if text.isascii() and text.isdigit() and len(text) < 19:
                body.append(await _relationship(session, actor.id, int(text)))
    return json_answer(body)


async def resolve_handle(request: web.Request, handle: str) -> Actor | None:
    """An account by handle through WebFinger (the resolver, under its fetch limits)."""
    try:
        return await request.app[RESOLVER].find(handle)
    except Exception:
        return None
