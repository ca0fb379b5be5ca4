"""A status posted from an app that describes a learning resource is published as one
(issue 13): a link, a level tag and a field or occupation tag (domain/status_resource.py
reads them) make `POST /api/v1/statuses` publish a link resource through the operation the
web form uses (operations.publish_resource_in: the same checks, the same Create to
followers), and answer with its status, a rich one with a card.

What the text cannot say is chosen: the language by the caller, as for any status (the
status's `language`, else the trainer's own: server/language.py posting_language); the licence
here, that of the trainer's latest resource (what they last chose on the form), else the
node's `default_licence`.
A reply, a direct message or a status with a content warning stays a note.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon import operations
from compagnon.domain.resources import licence_uri
from compagnon.domain.status_resource import read_status
from compagnon.federation.resource_convert import resource_from_document
from compagnon.server.api.base import ApiError, json_answer
from compagnon.server.api.render import one_status
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS, WORKER
from compagnon.storage.models import Actor, ApiIdempotency, Object, User
from compagnon.storage.queries import objects as object_queries

RESOURCE_VISIBILITIES = ("public", "unlisted", "followers")


async def latest_licence(session: AsyncSession, user: User) -> str | None:
    """The licence of the trainer's latest resource still published here."""
    raw = await session.scalar(
        select(Object.raw)
        .where(
            Object.actor_id == user.actor_id,
            Object.type == "LearningResource",
            Object.is_local.is_(True),
            Object.deleted_at.is_(None),
        )
        .order_by(Object.id.desc())
        .limit(1)
    )
    if not isinstance(raw, dict):
        return None
    return resource_from_document(raw).license or None


async def publish_if_resource(
    request: web.Request,
    user: User,
    text: str,
    *,
    visibility: str,
    language: str,
    idempotency_key: str,
) -> web.StreamResponse | None:
    """The answer to the post when the status describes a resource (it is then published);
    None when it is a plain note."""
    if visibility not in RESOURCE_VISIBILITIES:
        return None
    composed = read_status(text)
    if composed is None:
        return None
    sessions = request.app[SESSIONS]
    async with sessions() as session:
        licence = await latest_licence(session, user)
    licence = licence or licence_uri(request.app[SETTINGS].default_licence)
    resource = composed.resource(language=language, licence=licence)
    try:
        uri = await operations.publish_resource_in(
            request.app[FEDERATION], user.username, resource, visibility
        )
    except operations.OperationError as exc:
        raise ApiError(422, str(exc)) from None
    request.app[WORKER].wake()
    async with sessions.begin() as session:
        obj = await object_queries.by_uri(session, uri)
        assert obj is not None
        if idempotency_key:
            session.add(ApiIdempotency(user_id=user.id, key=idempotency_key, object_id=obj.id))
    async with sessions() as session:
        obj = await object_queries.by_uri(session, uri)
        author = await session.get(Actor, user.actor_id)
        assert obj is not None and author is not None
        return json_answer(await one_status(request, session, obj, author, author))
