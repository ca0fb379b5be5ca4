"""Editing a status from an app: `PUT /api/v1/statuses/{id}` (text, content warning,
sensitive, language), `GET /api/v1/statuses/{id}/source` (what the edit box starts from) and
`GET /api/v1/statuses/{id}/history`.

An edit is what the web page's "Edit" does (server/views/social.py: edit): the caller's own
post only, `publish.update_note`, which sends an `Update` to the followers and to every host
that got the post, and tells the local people who liked or shared it (notification `update`).

`history` lists every version: the ones edits replaced (table `status_edits`, written by
`update_note` and the inbox's `on_update`), then the current one.

Not done (documented in docs/apps.md): attachments and polls of an edit (`media_ids`,
`media_attributes`, `poll[...]` are ignored: an app resends what the post has, and the text is
what gets edited).
"""

from __future__ import annotations

from aiohttp import web
from markupsafe import escape

from compagnon.domain.resources import language_tag
from compagnon.federation.outbox import publish
from compagnon.federation.sanitize import html_to_text, text_to_html
from compagnon.i18n import _
from compagnon.server.api import entities
from compagnon.server.api.base import ApiError, api_view, caller, json_answer, maybe_caller, me
from compagnon.server.api.base import params as read_params
from compagnon.server.api.render import one_status, readable_status
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS, WORKER
from compagnon.server.views.pages import MAX_POST_CHARS
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import status_edits

MAX_SPOILER_CHARS = 500


def _problem(text: str, spoiler: str | None, language: str | None) -> str | None:
    """Why the edit cannot be saved (Mastodon's "Validation failed: ..."), else None."""
    if not text.strip():
        return _("Validation failed: Text can't be blank")
    if len(text) > MAX_POST_CHARS:
        return _("Validation failed: Text is too long (at most {max})", max=MAX_POST_CHARS)
    if spoiler is not None and len(spoiler) > MAX_SPOILER_CHARS:
        return _(
            "Validation failed: Spoiler text is too long (at most {max})", max=MAX_SPOILER_CHARS
        )
    if language is not None and language_tag(language) is None:
        return _("Validation failed: Language is not a language tag")
    return None


def _own(obj: Object, author: Actor, actor: Actor) -> None:
    """Only one's own posts are edited here (a learning resource, an event or a module has its
    own form on the web); Mastodon answers someone else's status with 403."""
    if author.id != actor.id or obj.type != "Note":
        raise ApiError(403, _("This action is not allowed"))


@api_view
async def edit(request: web.Request) -> web.StreamResponse:
    user, actor = me(await caller(request, "write:statuses"))
    given = await read_params(request)
    text = given.get("status", "")
    spoiler = given.get("spoiler_text")
    language = given.get("language") or None
    sensitive = given.get("sensitive")
    problem = _problem(text, spoiler, language)
    if problem is not None:
        raise ApiError(422, problem)
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        obj, author = await readable_status(session, request.match_info["id"], user)
        _own(obj, author, actor)
        await publish.update_note(
            session,
            ctx.urls,
            author,
            obj,
            text_to_html(text, tags_base=ctx.urls.base),
            summary=None if spoiler is None else str(escape(spoiler.strip())),
            language=language_tag(language) if language else None,
            sensitive=None if sensitive is None else sensitive.lower() in ("1", "true", "on"),
        )
    request.app[WORKER].wake()
    async with request.app[SESSIONS]() as session:
        return json_answer(await one_status(request, session, obj, author, actor))


@api_view
async def source(request: web.Request) -> web.StreamResponse:
    """The post as its author typed it, for an app's edit box (read back from the HTML the
    node keeps: paragraphs and line breaks come back, links as their text)."""
    user, _actor = me(await caller(request, "read:statuses"))
    async with request.app[SESSIONS]() as session:
        obj, _author = await readable_status(session, request.match_info["id"], user)
    return json_answer(
        {
            "id": str(obj.id),
            "text": html_to_text(obj.content),
            "spoiler_text": html_to_text(obj.summary) if obj.type == "Note" else "",
        }
    )


@api_view
async def history(request: web.Request) -> web.StreamResponse:
    """The versions of a status, oldest first, as Mastodon lists them: each version an edit
    replaced (table `status_edits`), then the current one. A status never edited has the
    one version."""
    who = await maybe_caller(request, "read:statuses")
    async with request.app[SESSIONS]() as session:
        obj, author = await readable_status(
            session, request.match_info["id"], who.user if who else None
        )
        account = await entities.account(session, author, request.app[SETTINGS].base_url)
        earlier = await status_edits.versions(session, obj.id)
    listed = [
        entities.version(status_edits.as_object(obj, e), account, e.created_at) for e in earlier
    ]
    listed.append(entities.version(obj, account, obj.updated or obj.published))
    return json_answer(listed)
