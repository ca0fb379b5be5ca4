"""Who follows whom, through the API: an account's followers and following (paged by the
follow's id, with Link headers), my follow requests (list, authorise, reject: what
/follow-requests does), my favourites."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from compagnon.federation.outbox import publish
from compagnon.i18n import _
from compagnon.operations.profile import hides_network
from compagnon.server.api import entities
from compagnon.server.api.accounts import _actor, _relationship
from compagnon.server.api.base import (
    ApiError,
    api_view,
    caller,
    json_answer,
    link_header,
    maybe_caller,
    me,
    page_of,
)
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS, WORKER
from compagnon.storage.models import Actor, Object, Reaction
from compagnon.storage.queries import follows as follow_queries

MAX_LISTED = 80


async def _related(request: web.Request, side: str) -> web.StreamResponse:
    """Followers or following, newest first, paged by the follow's id (`max_id`,
    `since_id`, `min_id`, `limit` up to 80) with Link headers, as Mastodon pages them."""
    asking = await maybe_caller(request, "read:accounts")
    page = page_of(request, default=40, maximum=MAX_LISTED)
    base = request.app[SETTINGS].base_url
    ascending = page.min_id is not None
    async with request.app[SESSIONS]() as session:
        actor = await _actor(session, request.match_info["id"])
        hers = asking is not None and asking.actor is not None and asking.actor.id == actor.id
        if hides_network(actor) and not hers:
            return json_answer([])  # hers alone, as Mastodon answers anyone else
        listed = await follow_queries.page(
            session,
            actor.id,
            side,
            limit=page.limit,
            before_id=page.max_id,
            after_id=page.min_id or page.since_id,
            ascending=ascending,
        )
        if ascending:  # a min_id page is chosen oldest first and answered newest first
            listed.reverse()
        body = [await entities.account(session, a, base) for _i, a in listed]
    return json_answer(body, headers=link_header(request, [i for i, _a in listed]))


@api_view
async def followers(request: web.Request) -> web.StreamResponse:
    return await _related(request, "followers")


@api_view
async def following(request: web.Request) -> web.StreamResponse:
    return await _related(request, "following")


@api_view
async def follow_requests(request: web.Request) -> web.StreamResponse:
    _user, actor = me(await caller(request, "read:follows"))
    base = request.app[SETTINGS].base_url
    async with request.app[SESSIONS]() as session:
        waiting = await follow_queries.followers(
            session, actor.id, state="pending", limit=MAX_LISTED
        )
        body = [await entities.account(session, a, base) for a in waiting]
    return json_answer(body)


async def _answer(request: web.Request, accept: bool) -> web.StreamResponse:
    _user, actor = me(await caller(request, "write:follows"))
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        follower = await _actor(session, request.match_info["id"])
        row = await follow_queries.get(session, follower.id, actor.id)
        if row is None or row.state != "pending":
            raise ApiError(404, _("Record not found"))
        me_row = await session.get(Actor, actor.id)
        assert me_row is not None
        doc = {
            "id": row.activity_uri,
            "type": "Follow",
            "actor": follower.uri,
            "object": me_row.uri,
        }
        if accept:
            row.state = "accepted"
        else:
            await follow_queries.remove(session, follower.id, me_row.id)
        if not follower.is_local:
            await publish.answer_follow(session, ctx.urls, me_row, follower, doc, accept=accept)
    request.app[WORKER].wake()
    async with request.app[SESSIONS]() as session:
        return json_answer(await _relationship(session, actor.id, follower.id))


@api_view
async def authorize_request(request: web.Request) -> web.StreamResponse:
    return await _answer(request, True)


@api_view
async def reject_request(request: web.Request) -> web.StreamResponse:
    return await _answer(request, False)


@api_view
async def favourites(request: web.Request) -> web.StreamResponse:
    _user, actor = me(await caller(request, "read:favourites"))
    page = page_of(request)
    base = request.app[SETTINGS].base_url
    async with request.app[SESSIONS]() as session:
        rows = (
            await session.execute(
                select(Object, Actor)
                .join(Reaction, Reaction.object_uri == Object.uri)
                .join(Actor, Actor.id == Object.actor_id)
                .where(
                    Reaction.actor_id == actor.id,
                    Reaction.kind == "like",
                    Object.deleted_at.is_(None),
                )
                .order_by(Reaction.id.desc())
                .limit(page.limit)
            )
        ).all()
        pairs = [(o, a) for o, a in rows]
        loaded = await entities.load(session, pairs, base, actor.id)
        return json_answer([entities.status(o, a, loaded) for o, a in pairs])
