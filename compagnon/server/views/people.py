"""People: a trainer's or centre's page, here or elsewhere (a centre's lists what it hands on
too), finding someone by handle, follow and unfollow, and the follow requests waiting for a
trainer who approves followers by hand. Each action is a POST with the CSRF field, answered
with a redirect back (303) or a readable error page."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select

from compagnon.federation.outbox import publish
from compagnon.i18n import _
from compagnon.operations import follow_options
from compagnon.server import auth
from compagnon.server.forms import error_page
from compagnon.server.keys import FEDERATION, RESOLVER, SESSIONS, WORKER
from compagnon.server.templating import profile_href as profile_url
from compagnon.server.views import social
from compagnon.server.views.handover_feeds import feed_links
from compagnon.storage.models import Actor, Follow, Object
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries import notifications
from compagnon.storage.queries import objects as object_queries


async def profile_page(request: web.Request, actor: Actor) -> web.StreamResponse:
    """A trainer's or centre's page, here or elsewhere, with Follow / Unfollow."""
    user = await auth.current_user(request)
    follow: Follow | None = None
    shares_hidden = False
    posts: list[Object] = []
    async with request.app[SESSIONS]() as session:
        if actor.suspended_at is None:  # a suspended account's posts are served to nobody
            posts = await object_queries.by_actor(session, actor.id, limit=social.PAGE)
            if actor.type in ("Organization", "Group"):  # a centre: what it hands on too
                shared = await object_queries.shared_by(session, actor, limit=social.PAGE)
                posts = sorted(
                    {p.id: p for p in [*posts, *shared]}.values(),
                    key=lambda p: (p.published, p.id),
                    reverse=True,
                )[: social.PAGE]
        if user is not None and user.actor_id != actor.id:
            follow = await follow_queries.get(session, user.actor_id, actor.id)
            if follow is not None:  # the shares button shows only beside a follow
                me = await session.get(Actor, user.actor_id)
                shares_hidden = actor.id in follow_queries.reblogs_hidden(me)
    handle = f"{actor.username}@{actor.domain}"
    centre = (actor.raw or {}) if actor.type == "Organization" else {}
    feed_handle = actor.username if actor.is_local else handle
    context = await social.page_context(
        request,
        user,
        actor=actor,
        posts=posts,
        follow=follow,
        shares_hidden=shares_hidden,
        handle=handle,
        centre=centre,
        feeds=feed_links(f"/feeds/users/{quote(feed_handle, safe='@:')}"),
    )
    return aiohttp_jinja2.render_template("profile.html", request, context)


async def remote_profile(request: web.Request, handle: str) -> web.StreamResponse:
    """`/@name@host`: the local view of an actor elsewhere, found through the resolver (its
    cache, then WebFinger and a signed fetch under the fetch limits)."""
    async with request.app[SESSIONS]() as session:
        name, _sep, host = handle.partition("@")
        known = await session.scalar(
            select(Actor).where(Actor.username == name, Actor.domain == host.lower())
        )
    if known is None:
        try:
            known = await request.app[RESOLVER].find(handle)
        except Exception:
            raise web.HTTPNotFound(text=_("No one found at {handle}.", handle=handle)) from None
    return await profile_page(request, known)


async def find(request: web.Request) -> web.StreamResponse:
    """`/find?handle=@name@node` (or an actor's URL): the person's page here, where Follow
    is; found through the resolver (WebFinger, then a signed fetch, under its limits)."""
    user = await auth.signed_in_user(request)
    target = request.query.get("handle", "").strip().removeprefix("@")[:2048]
    if not target:
        raise error_page(request, 400, _("Type a handle such as name@node.example."))
    try:
        actor = await request.app[RESOLVER].find(target)
    except Exception:
        raise error_page(request, 404, _("No one found at {handle}.", handle=target)) from None
    if actor.id == user.actor_id:
        raise web.HTTPSeeOther("/home")
    raise web.HTTPSeeOther(profile_url(actor))


async def follow(request: web.Request) -> web.StreamResponse:
    """Follow by handle (`@name@node`) or actor URL, from the home form or a profile."""
    user, form = await social.posted_form(request)
    target = form.get("handle", "").strip().removeprefix("@")
    if not target:
        raise error_page(request, 400, _("Type a handle such as name@node.example."))
    try:
        actor = await request.app[RESOLVER].find(target)
    except Exception:
        raise error_page(request, 404, _("No one found at {handle}.", handle=target)) from None
    if actor.id == user.actor_id:
        raise error_page(request, 400, _("You cannot follow yourself."))
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        me = await session.get(Actor, user.actor_id)
        assert me is not None
        await publish.follow(session, ctx.urls, me, actor)
        if actor.is_local:
            await notifications.notify(session, actor.id, "follow", me, None)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther(profile_url(actor))


async def unfollow(request: web.Request) -> web.StreamResponse:
    user, form = await social.posted_form(request)
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        actor = await actor_queries.by_uri(session, form.get("actor", ""))
        if actor is None:
            raise error_page(
                request, 404, _("No one found at {handle}.", handle=form.get("actor", ""))
            )
        me = await session.get(Actor, user.actor_id)
        assert me is not None
        await publish.unfollow(session, ctx.urls, me, actor)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther(profile_url(actor))


async def notify_posts(request: web.Request) -> web.StreamResponse:
    """The bell on a followed account's profile: be told of each of its new posts, or no
    longer (`notify` on or off; what an app sets with `notify` when following)."""
    user, form = await social.posted_form(request)
    async with request.app[SESSIONS].begin() as session:
        actor = await actor_queries.by_uri(session, form.get("actor", ""))
        me = await session.get(Actor, user.actor_id)
        assert me is not None
        if actor is None or not await follow_options.set_options(
            session, me, actor.id, notify=form.get("notify") == "on"
        ):
            raise error_page(request, 404, _("You do not follow this account."))
    raise web.HTTPSeeOther(profile_url(actor))


async def hide_shares(request: web.Request) -> web.StreamResponse:
    """The button beside the bell: keep a followed account's shares out of my home, or show
    them again (`hide` on or off; what an app sets with `reblogs` when following)."""
    user, form = await social.posted_form(request)
    async with request.app[SESSIONS].begin() as session:
        actor = await actor_queries.by_uri(session, form.get("actor", ""))
        me = await session.get(Actor, user.actor_id)
        assert me is not None
        if actor is None or not await follow_options.set_options(
            session, me, actor.id, shares=form.get("hide") != "on"
        ):
            raise error_page(request, 404, _("You do not follow this account."))
    raise web.HTTPSeeOther(profile_url(actor))


async def requests_page(request: web.Request) -> web.StreamResponse:
    user = await auth.signed_in_user(request)
    async with request.app[SESSIONS]() as session:
        rows = await session.execute(
            select(Actor)
            .join(Follow, Follow.follower_id == Actor.id)
            .where(Follow.followee_id == user.actor_id, Follow.state == "pending")
            .order_by(Follow.id)
        )
        waiting = list(rows.scalars())
    context = await social.page_context(request, user, waiting=waiting)
    return aiohttp_jinja2.render_template("follow_requests.html", request, context)


async def answer_request(request: web.Request) -> web.StreamResponse:
    user, form = await social.posted_form(request)
    accept = form.get("answer") == "accept"
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        follower = await actor_queries.by_uri(session, form.get("actor", ""))
        row = (
            await follow_queries.get(session, follower.id, user.actor_id)
            if follower is not None
            else None
        )
        if follower is None or row is None or row.state != "pending":
            raise error_page(request, 404, _("That request is no longer waiting."))
        me = await session.get(Actor, user.actor_id)
        assert me is not None
        doc = {"id": row.activity_uri, "type": "Follow", "actor": follower.uri, "object": me.uri}
        if accept:
            row.state = "accepted"
        else:
            await follow_queries.remove(session, follower.id, me.id)
        if not follower.is_local:
            await publish.answer_follow(session, ctx.urls, me, follower, doc, accept=accept)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther("/follow-requests")
