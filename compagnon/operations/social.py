"""What the trainers' social commands do (`compagnon reply | like | share | unlike |
unshare | unfollow | report | post edit | post delete | notifications`): the same functions
the web pages call (federation/social.py, publish.py), one transaction each.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.config import Settings
from compagnon.federation import social
from compagnon.federation.mentions import MentionError, resolve_mentions
from compagnon.federation.outbox import publish
from compagnon.federation.resolver import Resolver
from compagnon.federation.sanitize import text_to_html
from compagnon.i18n import _, ngettext
from compagnon.operations import OperationError, _local_actor, database, federation
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import notifications
from compagnon.storage.queries import objects as object_queries

MAX_POST_CHARS = 5000


async def _held(session: AsyncSession, uri: str) -> tuple[Object, Actor]:
    obj = await object_queries.by_uri(session, uri)
    if obj is None or obj.deleted_at is not None:
        raise OperationError(_("{uri} is not a post this node holds", uri=uri))
    author = await session.get(Actor, obj.actor_id)
    assert author is not None
    return obj, author


async def _own(session: AsyncSession, username: str, uri: str) -> tuple[Actor, Object]:
    me = await _local_actor(session, username)
    obj, author = await _held(session, uri)
    if author.id != me.id or obj.type != "Note":
        raise OperationError(_("{uri} is not a post of {name}", uri=uri, name=username))
    return me, obj


def _text(text: str, settings: Settings) -> str:
    if not text.strip():
        raise OperationError(_("the post is empty"))
    if len(text) > MAX_POST_CHARS:
        raise OperationError(
            ngettext(
                "posts are at most {n} character",
                "posts are at most {n} characters",
                MAX_POST_CHARS,
            )
        )
    return text_to_html(text, tags_base=settings.base_url)  # what ctx.urls.base is


async def edit_post(settings: Settings, username: str, uri: str, text: str) -> str:
    html = _text(text, settings)
    async with federation(settings) as ctx, ctx.sessions.begin() as session:
        me, obj = await _own(session, username, uri)
        await publish.update_note(session, ctx.urls, me, obj, html)
        return _("edited: {uri}", uri=obj.uri)


async def delete_post(settings: Settings, username: str, uri: str) -> str:
    async with federation(settings) as ctx, ctx.sessions.begin() as session:
        me, obj = await _own(session, username, uri)
        await publish.delete_note(session, ctx.urls, me, obj)
        return _("deleted: {uri}", uri=uri)


async def reply(
    settings: Settings, username: str, uri: str, text: str, visibility: str = "public"
) -> str:
    html = _text(text, settings)
    if visibility not in publish.VISIBILITIES:
        raise OperationError(_("visibility must be one of {v}", v=", ".join(publish.VISIBILITIES)))
    async with federation(settings) as ctx:
        try:
            mentions = await resolve_mentions(Resolver(ctx), text)
        except MentionError as exc:
            raise OperationError(str(exc)) from None
        async with ctx.sessions.begin() as session:
            me = await _local_actor(session, username)
            parent, author = await _held(session, uri)
            if all(m.id != author.id for m in mentions):
                mentions.append(author)
            mentions = [m for m in mentions if m.id != me.id]
            obj = await publish.publish_note(
                session,
                ctx.urls,
                me,
                html,
                visibility=visibility,
                mentions=mentions,
                language=settings.language_list[0],
                in_reply_to=parent.uri,
            )
            await social.notify_local_post(session, obj, me, mentions)
            return obj.uri


async def react(settings: Settings, username: str, kind: str, uri: str, *, undo: bool) -> str:
    async with federation(settings) as ctx, ctx.sessions.begin() as session:
        me = await _local_actor(session, username)
        obj, author = await _held(session, uri)
        if undo:
            done = await social.undo(session, ctx.urls, me, kind, obj, author)
        else:
            done = await social.react(session, ctx.urls, me, kind, obj, author)
        if not done:
            return _("nothing to do: {uri}", uri=uri)
        return _reacted(kind, uri, undo=undo)


def _reacted(kind: str, uri: str, *, undo: bool) -> str:
    """What `like`/`share` (and their undo) print: one whole message per case."""
    if kind == "like":
        return _("like withdrawn: {uri}", uri=uri) if undo else _("liked: {uri}", uri=uri)
    if kind == "share":
        return _("share withdrawn: {uri}", uri=uri) if undo else _("shared: {uri}", uri=uri)
    return f"{kind}: {uri}"


async def unfollow(settings: Settings, username: str, handle_or_url: str) -> str:
    async with federation(settings) as ctx:
        target: Actor | None
        async with ctx.sessions() as session:
            target = await actor_queries.by_uri(session, handle_or_url)
        if target is None:
            try:
                target = await Resolver(ctx).find(handle_or_url)
            except Exception as exc:
                raise OperationError(str(exc)) from None
        async with ctx.sessions.begin() as session:
            me = await _local_actor(session, username)
            if not await publish.unfollow(session, ctx.urls, me, target):
                return _("{name} does not follow {target}", name=username, target=target.uri)
            return _("unfollowed: {target}", target=target.uri)


async def report(
    settings: Settings, username: str, uri: str, comment: str, *, forward: bool
) -> str:
    async with federation(settings) as ctx, ctx.sessions.begin() as session:
        me = await _local_actor(session, username)
        obj, author = await _held(session, uri)
        await social.report(session, ctx.urls, me, obj, author, comment[:2000], forward=forward)
        if forward and not author.is_local:
            return _("reported to the moderators here and at {host}", host=author.domain)
        return _("reported to the moderators here")


async def notifications_of(settings: Settings, username: str) -> list[dict[str, Any]]:
    async with database(settings) as sessions, sessions.begin() as session:
        me = await _local_actor(session, username)
        rows = [
            {
                "when": n.created_at,
                "kind": n.kind,
                "actor": a.uri if a is not None else "",
                "object": n.object_uri or "",
                "unread": n.read_at is None,
            }
            for n, a in await notifications.latest(session, me.id, limit=50)
        ]
        await notifications.mark_read(session, me.id)
    return rows
