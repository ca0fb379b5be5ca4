"""The page of a question (quiz, poll): its text, each option with its votes as a bar
(`<meter>`: no inline style), and for a signed-in trainer a form to vote. Our own questions
are shown at their object URL (content negotiation, activitypub.py); any question held here,
a remote one too, at /questions?uri=URL."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from compagnon.domain.quiz import QuizError
from compagnon.domain.safe_urls import http_url
from compagnon.federation.outbox import quiz as quiz_outbox
from compagnon.federation.sanitize import sanitize_html
from compagnon.i18n import _
from compagnon.server import auth
from compagnon.server.forms import error_page, expired_message, read_form
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS, WORKER
from compagnon.server.views.pages import _base
from compagnon.storage.models import Actor, Object, utcnow
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries import polls as poll_queries

SHOWN = frozenset({"public", "unlisted"})


async def _question(request: web.Request, uri: str) -> tuple[Object, Actor] | None:
    async with request.app[SESSIONS]() as session:
        obj = await object_queries.by_uri(session, uri)
        if obj is None or obj.type != "Question" or obj.deleted_at is not None:
            return None
        if obj.visibility not in SHOWN:
            return None
        author = await session.get(Actor, obj.actor_id)
    return (obj, author) if author is not None else None


async def render(
    request: web.Request,
    obj: Object,
    author: Actor,
    *,
    error: str | None = None,
    status: int = 200,
) -> web.StreamResponse:
    user = await auth.current_user(request)
    try:
        poll = quiz_outbox.poll_state(obj, utcnow())
    except QuizError:
        raise web.HTTPNotFound(text="no such question") from None
    mine: list[str] = []
    if user is not None:
        async with request.app[SESSIONS]() as session:
            mine = await poll_queries.choices_of(session, obj.id, user.actor_id)
    total = sum(o["votes"] for o in poll["options"])
    context = _base(
        request,
        user=user,
        obj=obj,
        author=author,
        text=_text_of(obj),
        poll=poll,
        most=max(total, 1),
        mine=mine,
        may_vote=user is not None and not poll["is_closed"] and (poll["multiple"] or not mine),
        error=error,
    )
    return aiohttp_jinja2.render_template("quiz.html", request, context, status=status)


async def question_page(request: web.Request) -> web.StreamResponse:
    """/questions?uri=URL: a question held here, ours or a peer's."""
    uri = http_url(request.query.get("uri", "").strip())
    found = await _question(request, uri) if uri else None
    if found is None:
        raise error_page(request, 404, _("There is no question at this address here."))
    return await render(request, *found)


def _text_of(obj: Object) -> str:
    """The question's own text (not the options list of `content`), cleaned: a remote one's
    document is kept as received."""
    raw = obj.raw or {}
    body = raw.get("content")
    if not isinstance(body, str):
        body = next((v for v in (raw.get("contentMap") or {}).values() if isinstance(v, str)), "")
    return sanitize_html(body)


def page_of(uri: str) -> str:
    return "/questions?" + urlencode({"uri": uri})


async def vote(request: web.Request) -> web.StreamResponse:
    """The vote form: the trainer's choice counted here (our question) or sent to the
    question's author; a mistake shows the page again with the reason."""
    user = await auth.current_user(request)
    if user is None:
        raise web.HTTPSeeOther("/login")
    form = await read_form(request)
    uri = http_url(str(form.get("uri", "")).strip())
    found = await _question(request, uri) if uri else None
    if found is None:
        raise error_page(request, 404, _("There is no question at this address here."))
    obj, author = found
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        return await render(request, obj, author, error=expired_message(), status=403)
    chosen = [str(v) for v in form.getall("option", [])]
    interval = timedelta(seconds=request.app[SETTINGS].poll_update_interval)
    try:
        async with request.app[SESSIONS].begin() as session:
            voter = await session.get(Actor, user.actor_id)
            question = await session.get(Object, obj.id)
            assert voter is not None and question is not None
            await quiz_outbox.vote(
                session,
                request.app[FEDERATION].urls,
                voter,
                question,
                author,
                chosen,
                now=utcnow(),
                update_interval=interval,
            )
    except QuizError as exc:
        return await render(request, obj, author, error=str(exc), status=400)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther(page_of(obj.uri))
