"""Statuses: post (text, visibility, reply, content warning, Idempotency-Key; files of
media.py, a poll of polls.py), read one and
its thread, delete, favourite and reblog with their undo. The same operations as the web
pages: publish_note, federation/social.py react/undo, delete_note. A status with a link and
level and field hashtags is published as a learning resource (compose_resource.py)."""

from __future__ import annotations

from aiohttp import web
from markupsafe import escape
from sqlalchemy import select

from compagnon.federation import social
from compagnon.federation.mentions import MentionError, resolve_mentions
from compagnon.federation.outbox import publish
from compagnon.federation.sanitize import text_to_html
from compagnon.i18n import _
from compagnon.server.api import compose_resource, entities, media, polls
from compagnon.server.api.base import (
    ApiError,
    api_view,
    caller,
    json_answer,
    maybe_caller,
    me,
    params,
)
from compagnon.server.api.render import one_status, readable_status
from compagnon.server.keys import FEDERATION, MEDIA, RESOLVER, SESSIONS, SETTINGS, WORKER
from compagnon.server.language import posting_language
from compagnon.server.views.pages import MAX_POST_CHARS
from compagnon.storage.models import Actor, ApiIdempotency, Object, utcnow
from compagnon.storage.queries import timelines

MAX_SPOILER_CHARS = 500


@api_view
async def create(request: web.Request) -> web.StreamResponse:
    who = await caller(request, "write:statuses")
    user, actor = me(who)
    given = await params(request)
    text = given.get("status", "")
    media_ids = given.getall("media_ids[]", [])
    # An app that names no language posts in the trainer's own, as Mastodon does with her
    # default language (not the node's: a Romanian trainer on a French node writes Romanian).
    now, language = utcnow(), posting_language(request, user, given.get("language", ""))
    poll = polls.spec_from(given, text, language, now) if polls.wanted(given) else None
    if poll is not None and media_ids:
        raise ApiError(422, _("Validation failed: a status has files or a poll, not both"))
    if not text.strip() and not media_ids:
        raise ApiError(422, _("Validation failed: Text can't be blank"))
    if len(text) > MAX_POST_CHARS:
        raise ApiError(
            422, _("Validation failed: Text is too long (at most {max})", max=MAX_POST_CHARS)
        )
    visibility = entities.FROM_API_VISIBILITY.get(given.get("visibility", "public"))
    if visibility is None:
        raise ApiError(422, _("Validation failed: Visibility is not included in the list"))
    spoiler = given.get("spoiler_text", "")[:MAX_SPOILER_CHARS]
    # Any text is a key; bytes that are not UTF-8 (surrogates here) are kept as U+FFFD, since
    # no database column takes them.
    raw_key = request.headers.get("Idempotency-Key", "")[:255]
    key = raw_key.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    async with request.app[SESSIONS]() as session:
        if key:
            done = await session.scalar(
                select(Object)
                .join(ApiIdempotency, ApiIdempotency.object_id == Object.id)
                .where(ApiIdempotency.user_id == user.id, ApiIdempotency.key == key)
            )
            if done is not None:
                return json_answer(await one_status(request, session, done, actor, actor))
        parent = None
        if given.get("in_reply_to_id"):
            parent = await readable_status(session, given["in_reply_to_id"], user)
    if parent is None and not spoiler and poll is None and not media_ids:
        # files and polls stay on a post: the resource would leave them out
        resource = await compose_resource.publish_if_resource(
            request,
            user,
            text,
            visibility=visibility,
            language=language,
            idempotency_key=key,
        )
        if resource is not None:
            return resource
    try:
        mentions = await resolve_mentions(request.app[RESOLVER], text)
    except MentionError as exc:
        raise ApiError(422, str(exc)) from None
    if parent is not None and all(m.id != parent[1].id for m in mentions):
        mentions.append(parent[1])  # a reply is addressed to the author it answers
    if visibility == "direct" and not mentions:
        raise ApiError(422, _("Validation failed: a direct post needs someone mentioned"))
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        author = await session.get(Actor, actor.id)
        assert author is not None
        mentions = [m for m in mentions if m.id != author.id]
        files = await media.attach(
            session, request.app[MEDIA], author.id, media_ids, request.app[SETTINGS].base_url
        )
        if poll is not None:
            obj = await polls.publish(
                session,
                ctx.urls,
                author,
                poll,
                visibility=visibility,
                mentions=mentions,
                summary=str(escape(spoiler)),
                in_reply_to=parent[0].uri if parent else None,
                now=now,
            )
        else:
            obj = await publish.publish_note(
                session,
                ctx.urls,
                author,
                text_to_html(text, tags_base=ctx.urls.base),
                visibility=visibility,
                mentions=mentions,
                language=language,
                in_reply_to=parent[0].uri if parent else None,
                summary=str(escape(spoiler)),
                attachments=files.documents,
            )
            files.belong_to(obj.id)
        await social.notify_local_post(session, obj, author, mentions)
        if key:
            session.add(ApiIdempotency(user_id=user.id, key=key, object_id=obj.id))
    request.app[WORKER].wake()
    async with request.app[SESSIONS]() as session:
        return json_answer(await one_status(request, session, obj, author, author))


@api_view
async def get(request: web.Request) -> web.StreamResponse:
    who = await maybe_caller(request, "read:statuses")
    async with request.app[SESSIONS]() as session:
        obj, author = await readable_status(
            session, request.match_info["id"], who.user if who else None
        )
        return json_answer(
            await one_status(request, session, obj, author, who.actor if who else None)
        )


@api_view
async def context(request: web.Request) -> web.StreamResponse:
    """The ancestors (up the reply chain, as far as this node holds it) and the replies."""
    who = await maybe_caller(request, "read:statuses")
    user = who.user if who else None
    viewer = who.actor if who else None
    async with request.app[SESSIONS]() as session:
        obj, _author = await readable_status(session, request.match_info["id"], user)
        ancestors: list[tuple[Object, Actor]] = []
        parent_uri, seen = obj.in_reply_to, {obj.uri}
        while parent_uri and parent_uri not in seen and len(ancestors) < 40:
            seen.add(parent_uri)
            row = (
                await session.execute(
                    select(Object, Actor)
                    .join(Actor, Actor.id == Object.actor_id)
                    .where(Object.uri == parent_uri, Object.deleted_at.is_(None))
                )
            ).first()
            if row is None:
                break
            ancestors.insert(0, (row[0], row[1]))
            parent_uri = row[0].in_reply_to
        descendants: list[tuple[Object, Actor]] = []
        frontier = [obj.uri]
        while frontier and len(descendants) < 200:
            found = [
                (i.obj, i.author) for uri in frontier for i in await timelines.replies(session, uri)
            ]
            descendants += found
            frontier = [o.uri for o, _a in found if o.uri not in seen]
            seen.update(frontier)
        base = request.app[SETTINGS].base_url
        loaded = await entities.load(
            session, ancestors + descendants, base, viewer.id if viewer else None
        )
        return json_answer(
            {
                "ancestors": [entities.status(o, a, loaded) for o, a in ancestors],
                "descendants": [entities.status(o, a, loaded) for o, a in descendants],
            }
        )


@api_view
async def delete(request: web.Request) -> web.StreamResponse:
    user, actor = me(await caller(request, "write:statuses"))
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS]() as session:
        obj, author = await readable_status(session, request.match_info["id"], user)
        if author.id != actor.id or obj.type not in ("Note", "Question"):
            raise ApiError(403, _("This action is not allowed"))
        entity = await one_status(request, session, obj, author, actor)
    async with request.app[SESSIONS].begin() as session:
        obj, author = await readable_status(session, request.match_info["id"], user)
        await publish.delete_note(session, ctx.urls, author, obj)
    request.app[WORKER].wake()
    entity["text"] = given_text(obj.content)
    return json_answer(entity)


def given_text(html: str) -> str:
    from markupsafe import Markup

    return Markup(html).striptags()


async def _react(request: web.Request, kind: str, *, undo: bool) -> web.StreamResponse:
    needed = "write:favourites" if kind == "like" else "write:statuses"
    user, actor = me(await caller(request, needed))
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        obj, author = await readable_status(session, request.match_info["id"], user)
        me_row = await session.get(Actor, actor.id)
        assert me_row is not None
        if undo:
            await social.undo(session, ctx.urls, me_row, kind, obj, author)
        else:
            await social.react(session, ctx.urls, me_row, kind, obj, author)
    request.app[WORKER].wake()
    async with request.app[SESSIONS]() as session:
        entity = await one_status(request, session, obj, author, actor)
        if kind == "share" and not undo:
            # Mastodon answers a reblog with the sharer's status wrapping the shared one.
            sharer = await entities.account(session, actor, request.app[SETTINGS].base_url)
            entity = {**entity, "reblog": dict(entity), "account": sharer}
    return json_answer(entity)


@api_view
async def favourite(request: web.Request) -> web.StreamResponse:
    return await _react(request, "like", undo=False)


@api_view
async def unfavourite(request: web.Request) -> web.StreamResponse:
    return await _react(request, "like", undo=True)


@api_view
async def reblog(request: web.Request) -> web.StreamResponse:
    return await _react(request, "share", undo=False)


@api_view
async def unreblog(request: web.Request) -> web.StreamResponse:
    return await _react(request, "share", undo=True)
