"""The versions of an edited post (`/post/versions?uri=...`): the post's "edited" mark links
here. The current version first, then each one an edit replaced, newest first (table
`status_edits`, storage/queries/status_edits.py); whoever may read the post may read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiohttp_jinja2
from aiohttp import web

from compagnon.i18n import _
from compagnon.server import auth
from compagnon.server.keys import SESSIONS
from compagnon.server.templating import content_warning
from compagnon.server.views.social import _can_read, _object_and_author, page_context
from compagnon.storage.models import Object
from compagnon.storage.queries import status_edits


@dataclass(frozen=True)
class Shown:
    """One version as the page shows it."""

    when: datetime
    name: str
    content: str  # sanitised HTML, as stored
    warning: str | None
    current: bool


def _shown(obj: Object, when: datetime, *, current: bool) -> Shown:
    return Shown(when, obj.name or "", obj.content or "", content_warning(obj), current)


async def versions_page(request: web.Request) -> web.StreamResponse:
    user = await auth.current_user(request)
    async with request.app[SESSIONS]() as session:
        obj, author = await _object_and_author(session, request.query.get("uri", ""))
        if author.suspended_at is not None or not await _can_read(session, obj, user):
            raise web.HTTPNotFound(text=_("No such post here."))
        earlier = await status_edits.versions(session, obj.id)
    shown = [_shown(obj, obj.updated or obj.published, current=True)]
    shown += [
        _shown(status_edits.as_object(obj, e), e.created_at, current=False)
        for e in reversed(earlier)
    ]
    context = await page_context(
        request, user, obj=obj, author=author, versions=shown, kept=bool(earlier)
    )
    return aiohttp_jinja2.render_template("post_versions.html", request, context)
