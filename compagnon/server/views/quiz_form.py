"""Setting a question (a quiz, a challenge, a poll) from the web, without JavaScript:
`/questions/new` shows one form (the question, its options one per line, one or several
choices, how long it stays open, who sees it, counts kept for its end); its POST does what
`compagnon quiz create` does, through operations/quiz.py, and opens the question's page."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from compagnon.i18n import _
from compagnon.operations import OperationError
from compagnon.operations import quiz as ops
from compagnon.server import auth
from compagnon.server.forms import read_checked_form
from compagnon.server.keys import FEDERATION, SESSIONS, WORKER
from compagnon.server.labels import visibility_labels
from compagnon.server.language import writing_language
from compagnon.server.views.social import page_context
from compagnon.storage.models import User, utcnow

DEFAULT_DURATION = "P1D"
VISIBILITIES = ("public", "unlisted", "followers")  # a question is for voters, not "direct"


def durations() -> dict[str, str]:
    """How long a question stays open, as ISO 8601 durations (what --ends-in takes)."""
    return {
        "PT1H": _("1 hour"),
        "P1D": _("1 day"),
        "P3D": _("3 days"),
        "P7D": _("1 week"),
        "P30D": _("30 days"),
    }


async def _render(
    request: web.Request,
    user: User,
    values: dict[str, Any],
    *,
    error: str | None = None,
    status: int = 200,
) -> web.StreamResponse:
    labels = visibility_labels()
    context = await page_context(
        request,
        user,
        form=values,
        durations=durations(),
        visibilities={code: labels[code] for code in VISIBILITIES},
        error=error,
    )
    return aiohttp_jinja2.render_template("quiz_form.html", request, context, status=status)


async def new_form(request: web.Request) -> web.StreamResponse:
    """GET /questions/new"""
    user = await auth.signed_in_user(request)
    values = {
        "question": "",
        "options": "",
        "multiple": False,
        "ends_in": DEFAULT_DURATION,
        "visibility": "public",
        "hide_totals": False,
    }
    return await _render(request, user, values)


async def create(request: web.Request) -> web.StreamResponse:
    """POST /questions/new: publish and open its page, or the form again with the mistakes."""
    user, actor = await auth.signed_in_actor(request)
    form = await read_checked_form(request)
    question, options = str(form.get("question", "")), str(form.get("options", ""))
    multiple, hide_totals = form.get("multiple") == "on", form.get("hide_totals") == "on"
    ends_in = str(form.get("ends_in", DEFAULT_DURATION))
    visibility = str(form.get("visibility", "public"))
    values: dict[str, Any] = {
        "question": question,
        "options": options,
        "multiple": multiple,
        "ends_in": ends_in,
        "visibility": visibility,
        "hide_totals": hide_totals,
    }
    now = utcnow()
    try:
        if ends_in not in durations():
            raise OperationError(_("Choose how long the question stays open."))
        if visibility not in VISIBILITIES:
            raise OperationError(_("Choose who can see the question."))
        spec = ops.question_spec(
            question=question,
            options=[line.strip() for line in options.splitlines() if line.strip()],
            multiple=multiple,
            ends_in=ends_in,
            ends_at=None,
            language=writing_language(request, user),
            hide_totals=hide_totals,
            now=now,
        )
        async with request.app[SESSIONS].begin() as session:
            obj = await ops.create_in(
                session,
                request.app[FEDERATION].urls,
                actor.username,
                spec,
                visibility=visibility,
                now=now,
            )
    except OperationError as exc:
        return await _render(request, user, values, error=str(exc), status=400)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther(obj.uri)
