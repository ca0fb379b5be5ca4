"""What a resource page offers its reader (server/templates/publish/_actions.html): edit and
delete to its author, "Remix or translate" to any signed-in trainer when the licence allows
derivatives (server/views/publish.py serves all three)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from compagnon.domain.licence_rules import conditions
from compagnon.federation.resource_convert import resource_from_document
from compagnon.server import auth
from compagnon.server.keys import SESSIONS
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import notifications


async def resource_actions(request: web.Request, obj: Object, author: Actor) -> dict[str, Any]:
    user = await auth.current_user(request)
    unread = 0
    if user is not None:
        async with request.app[SESSIONS]() as session:
            unread = await notifications.unread_count(session, user.actor_id)
    licence = resource_from_document(obj.raw or {}).license
    return {
        "user": user,
        "unread": unread,
        "is_author": user is not None and user.actor_id == author.id and obj.is_local,
        "derivable": "nd" not in (conditions(licence) or frozenset()),
    }
