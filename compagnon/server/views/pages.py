"""Server-rendered pages: mobile-first, no JavaScript needed, small enough for a weak link."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from compagnon.federation import accounts
from compagnon.federation import social as social_actions
from compagnon.federation.mentions import MentionError, no_recipient_message, resolve_mentions
from compagnon.federation.outbox import publish
from compagnon.federation.sanitize import text_to_html
from compagnon.i18n import _, ngettext
from compagnon.server import auth
from compagnon.server.forms import error_page, expired_message, read_form
from compagnon.server.keys import (
    FEDERATION,
    RESOLVER,
    SECRET,
    SESSIONS,
    SETTINGS,
    SIGNIN_LIMITER,
    WORKER,
)
from compagnon.server.labels import visibility_labels
from compagnon.server.signin_limit import client_address
from compagnon.server.views import people, social
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import deliveries

MAX_POST_CHARS = 5000


def _base(request: web.Request, **extra: Any) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    return {
        "node_name": settings.node_name,
        "domain": settings.domain,
        "visibility_labels": visibility_labels(),
        # Called by templates that hold a form (the CSRF cookie is set only then).
        "csrf_token": lambda: auth.csrf_token(request),
        **extra,
    }


async def index(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONS]() as session:
        people = await actor_queries.users_with_actors(session)
    user = await auth.current_user(request)
    return aiohttp_jinja2.render_template(
        "index.html", request, _base(request, trainers=[a for _, a in people], user=user)
    )


async def profile(request: web.Request, actor: Actor) -> web.StreamResponse:
    return await people.profile_page(request, actor)


async def profile_by_handle(request: web.Request) -> web.StreamResponse:
    """`/@name` here, `/@name@host` for a trainer or centre elsewhere."""
    username = request.match_info["username"]
    if "@" in username:
        return await people.remote_profile(request, username)
    async with request.app[SESSIONS]() as session:
        actor = await actor_queries.local_by_username(session, username)
    if actor is None:
        raise web.HTTPNotFound(text=_("No such trainer here."))
    return await profile(request, actor)


async def object_page(request: web.Request, obj: Object, author: Actor) -> web.StreamResponse:
    user = await auth.current_user(request)
    sent: list[Any] = []
    async with request.app[SESSIONS]() as session:
        if user is not None and user.actor_id == author.id:
            sent = await deliveries.for_object(session, obj.uri)
    return await social.object_view(request, obj, author, user, sent)


def _next_path(value: str) -> str:
    """Where to go after signing in: a path of this node only (`/oauth/authorize?...` when a
    phone app asked), never another site (`//evil.example` or `https://...`)."""
    outside = value.startswith("//") or "\\" in value or not value.isprintable()
    if value.startswith("/") and not outside:
        return value[:4096]
    return "/home"


async def login_form(request: web.Request) -> web.StreamResponse:
    next_path = _next_path(request.query.get("next", ""))
    context = _base(request, error=None, next_path=next_path)
    return aiohttp_jinja2.render_template("login.html", request, context)


def _login_refused(
    request: web.Request,
    status: int,
    error: str,
    username: str,
    retry_after: int = 0,
    next_path: str = "/home",
) -> web.StreamResponse:
    context = _base(request, error=error, username=username, next_path=next_path)
    response = aiohttp_jinja2.render_template("login.html", request, context, status=status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """Sign in: CSRF token first, then the failure limits (signin_limit.py), then the
    password. Past a limit even the right password waits."""
    form = await read_form(request)
    username = str(form.get("username", "")).strip().lower()[:200]
    password = str(form.get("password", ""))
    next_path = _next_path(str(form.get("next", "")))
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        return _login_refused(request, 403, expired_message(), username, next_path=next_path)
    settings = request.app[SETTINGS]
    limiter = request.app[SIGNIN_LIMITER]
    address = client_address(
        request.remote, request.headers.get("X-Forwarded-For"), settings.trusted_proxy_list
    )
    wait = limiter.retry_after(username, address)
    if wait:
        minutes = max(1, round(wait / 60))
        message = ngettext(
            "Too many failed attempts to log in. Try again in {n} minute.",
            "Too many failed attempts to log in. Try again in {n} minutes.",
            minutes,
        )
        return _login_refused(
            request, 429, message, username, retry_after=wait, next_path=next_path
        )
    async with request.app[SESSIONS]() as session:
        user = await actor_queries.user_by_username(session, username)
    if user is None or not accounts.check_password(user, password):
        limiter.failed(username, address)
        return _login_refused(
            request, 401, _("Wrong username or password."), username, next_path=next_path
        )
    async with request.app[SESSIONS]() as session:
        actor = await session.get(Actor, user.actor_id)
    if actor is None or actor.suspended_at is not None:
        message = _("This account is suspended. Ask the centre's admin.")
        return _login_refused(request, 403, message, username, next_path=next_path)
    limiter.succeeded(username)
    redirect = web.HTTPSeeOther(next_path)
    auth.log_in(redirect, request.app[SECRET], user, settings.scheme == "https")
    raise redirect


async def logout(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        raise error_page(request, 403, expired_message())
    redirect = web.HTTPSeeOther("/")
    redirect.del_cookie(auth.COOKIE, path="/")
    raise redirect


async def home(
    request: web.Request,
    *,
    draft: str = "",
    visibility: str = "public",
    error: str | None = None,
    status: int = 200,
) -> web.StreamResponse:
    user = await auth.signed_in_user(request)
    items, older = await social.home_items(request, user)
    context = await social.page_context(
        request,
        user,
        items=items,
        older=older,
        reacted=await social.reacted(request, user, items),
        draft=draft,
        chosen_visibility=visibility,
        error=error,
        csrf=auth.csrf_token(request),
        max_chars=MAX_POST_CHARS,
    )
    return aiohttp_jinja2.render_template("home.html", request, context, status=status)


async def home_page(request: web.Request) -> web.StreamResponse:
    return await home(request)


async def compose(request: web.Request) -> web.StreamResponse:
    """Publish a post from the form. A mistake sends the form back with the text kept."""
    user = await auth.signed_in_user(request)
    form = await read_form(request)
    text = str(form.get("content", ""))
    visibility = str(form.get("visibility", "public"))

    async def refused(error: str, status: int = 400) -> web.StreamResponse:
        return await home(request, draft=text, visibility=visibility, error=error, status=status)

    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        return await refused(expired_message(), 403)
    if not text.strip():
        return await refused(_("Write something before publishing."))
    if len(text) > MAX_POST_CHARS:
        return await refused(
            ngettext(
                "Posts are at most {n} character (this one has {length}).",
                "Posts are at most {n} characters (this one has {length}).",
                MAX_POST_CHARS,
                length=len(text),
            )
        )
    if visibility not in publish.VISIBILITIES:
        return await refused(_("Choose who can see the post."))
    try:
        mentions = await resolve_mentions(request.app[RESOLVER], text)
    except MentionError as exc:
        return await refused(str(exc))
    if visibility == "direct" and not mentions:
        return await refused(no_recipient_message())
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        author = await session.get(Actor, user.actor_id)
        assert author is not None
        obj = await publish.publish_note(
            session,
            ctx.urls,
            author,
            text_to_html(text, tags_base=ctx.urls.base),
            visibility=visibility,
            mentions=mentions,
            language=request.app[SETTINGS].language_list[0],
        )
        await social_actions.notify_local_post(session, obj, author, mentions)
    request.app[WORKER].wake()  # deliver now rather than at the next poll
    raise web.HTTPSeeOther("/home")
