"""A trainer's social pages and actions: the timelines (home, this centre, the network, a
hashtag), local views of remote people and posts, like / share / reply / edit / delete /
report, notifications. People (profiles, follow, follow requests) are people.py.

Every action is a POST with the CSRF field, reads its body with `read_form`, and answers with
a redirect back to the page it came from (303), or a readable error page (error.html).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup
from sqlalchemy import select

from compagnon.domain import hashtags
from compagnon.domain.safe_urls import http_url
from compagnon.federation import social
from compagnon.federation.mentions import MentionError, resolve_mentions
from compagnon.federation.outbox import publish
from compagnon.federation.sanitize import text_to_html
from compagnon.i18n import _, ngettext
from compagnon.server import auth, language
from compagnon.server.forms import error_page, expired_message, read_form
from compagnon.server.keys import FEDERATION, RESOLVER, SESSIONS, SETTINGS, WORKER
from compagnon.server.params import query_int
from compagnon.server.templating import profile_href as profile_url
from compagnon.server.templating import view_url
from compagnon.server.views import pages
from compagnon.server.views.handover_feeds import feed_links
from compagnon.server.views.lineage import lineage_of
from compagnon.storage.models import Actor, Object, TimelineEntry, User
from compagnon.storage.queries import collections as collection_queries
from compagnon.storage.queries import notifications, timelines
from compagnon.storage.queries import objects as object_queries

PAGE = 20
# 9999-12-31T23:59:59Z, the last moment a datetime holds: a later `before` is a 400, not a 500.
LATEST_MICROS = 253_402_300_799_000_000
MAX_REPORT_CHARS = 2000


def notification_text(kind: str, actor: Actor | None) -> Markup:
    """What a notification says, as one sentence: the name of who did it (a link to their
    page) inside the message, so each language puts it where its grammar wants it."""
    if actor is None:
        anonymous = {
            "follow": _("Someone follows you"),
            "follow_request": _("Someone asks to follow you"),
            "reply": _("Someone replied to your post"),
            "like": _("Someone liked your post"),
            "share": _("Someone shared your post"),
            "mention": _("Someone mentioned you"),
            "attendance": _("Someone answered your event"),
            "remix": _("Someone remixed your resource"),
            "poll": _("A question you voted in has ended"),
            "update": _("Someone edited a post you liked or shared"),
            "status": _("Someone you follow posted"),
        }
        return Markup.escape(anonymous.get(kind, kind))
    texts = {
        "follow": _("{name} follows you"),
        "follow_request": _("{name} asks to follow you"),
        "reply": _("{name} replied to your post"),
        "like": _("{name} liked your post"),
        "share": _("{name} shared your post"),
        "mention": _("{name} mentioned you"),
        "attendance": _("{name} answered your event"),
        "remix": _("{name} remixed your resource"),
        "poll": _("The question of {name} has ended: see the results"),
        "update": _("{name} edited a post you liked or shared"),
        "status": _("{name} posted something new"),
    }
    name = Markup('<a href="{}">{}</a>').format(profile_url(actor), actor.name or actor.username)
    if kind not in texts:
        return Markup("{} {}").format(name, kind)
    # The translation is escaped, then the (escaped) link put into it.
    return Markup.escape(texts[kind]).format(name=name)


def _before(request: web.Request) -> datetime | None:
    """The keyset of a timeline page: microseconds since the epoch (the `Older` link)."""
    micros = query_int(request, "before", maximum=LATEST_MICROS)
    return None if micros is None else datetime.fromtimestamp(micros / 1_000_000, UTC)


def _older_link(path: str, items: list[timelines.Item], extra: str = "") -> str | None:
    if len(items) < PAGE:
        return None
    last = items[-1].when
    micros = int(last.timestamp() * 1_000_000)
    return f"{path}?{extra}before={micros}"


async def page_context(request: web.Request, user: User | None, **extra: Any) -> dict[str, Any]:
    """Every page's context: the signed-in user and their unread notifications (header)."""
    unread = 0
    if user is not None:
        async with request.app[SESSIONS]() as session:
            unread = await notifications.unread_count(session, user.actor_id)
    return pages._base(request, user=user, unread=unread, **extra)


async def reacted(
    request: web.Request, user: User | None, items: list[Any]
) -> set[tuple[str, str]]:
    if user is None:
        return set()
    async with request.app[SESSIONS]() as session:
        return await social.my_reactions(session, user.actor_id, [i.obj.uri for i in items])


async def _timeline(
    request: web.Request, template: str, title: str, items: list[timelines.Item], **extra: Any
) -> web.StreamResponse:
    user = await auth.current_user(request)
    context = await page_context(
        request,
        user,
        title=title,
        items=items,
        reacted=await reacted(request, user, items),
        older=_older_link(request.path, items, extra.pop("older_query", "")),
        **extra,
    )
    return aiohttp_jinja2.render_template(template, request, context)


async def centre_page(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONS]() as session:
        items = await timelines.centre(session, before=_before(request), limit=PAGE)
    return await _timeline(request, "timeline.html", _("This centre"), items)


async def network_page(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONS]() as session:
        items = await timelines.network(session, before=_before(request), limit=PAGE)
    return await _timeline(request, "timeline.html", _("The network"), items)


async def tag_page(request: web.Request) -> web.StreamResponse:
    tag = hashtags.page_name(request.match_info["tag"])
    if tag is None:
        raise web.HTTPNotFound()
    async with request.app[SESSIONS]() as session:
        items = await timelines.tagged(session, tag, before=_before(request), limit=PAGE)
    links = feed_links(f"/feeds/tags/{tag}")
    return await _timeline(request, "timeline.html", "#" + tag, items, feeds=links)


async def home_items(request: web.Request, user: User) -> tuple[list[timelines.Item], str | None]:
    async with request.app[SESSIONS]() as session:
        items = await timelines.home(
            session, user.id, user.actor_id, before=_before(request), limit=PAGE
        )
    return items, _older_link("/home", items)


async def posted_form(request: web.Request) -> tuple[User, dict[str, Any]]:
    user = await auth.signed_in_user(request)
    form = await read_form(request)
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        raise error_page(request, 403, expired_message())
    return user, {k: str(v) for k, v in form.items()}


async def _object_and_author(session: Any, uri: str) -> tuple[Object, Actor]:
    obj = await object_queries.by_uri(session, uri) if uri else None
    if obj is None or obj.deleted_at is not None:
        raise web.HTTPNotFound(text=_("No such post here."))
    author = await session.get(Actor, obj.actor_id)
    assert author is not None
    return obj, author


async def _can_read(session: Any, obj: Object, user: User | None) -> bool:
    """Public and unlisted posts are for anyone; a followers-only or direct one for its
    author and for the readers it reached (it is in their home timeline)."""
    if obj.visibility in ("public", "unlisted"):
        return True
    if user is None:
        return False
    if user.actor_id == obj.actor_id:
        return True
    reached = await session.scalar(
        select(TimelineEntry.id).where(
            TimelineEntry.user_id == user.id, TimelineEntry.object_id == obj.id
        )
    )
    return reached is not None


async def view_page(request: web.Request) -> web.StreamResponse:
    """Any post this node holds, local or remote, with its thread and the actions."""
    uri = request.query.get("uri", "")
    user = await auth.current_user(request)
    async with request.app[SESSIONS]() as session:
        obj, author = await _object_and_author(session, uri)
        readable = await _can_read(session, obj, user)
    if not readable:
        raise web.HTTPNotFound(text=_("No such post here."))
    if obj.is_local and obj.type != "Note":  # resources, questions, modules, events: their page
        raise web.HTTPSeeOther(obj.uri)
    if obj.type == "LearningResource" and obj.raw:
        from compagnon.server.views import resources  # here: resources imports pages, pages us

        return await resources.resource_page(request, obj, author)
    if obj.type == "Question" and obj.raw:
        raise web.HTTPSeeOther(f"/questions?uri={quote(obj.uri, safe='')}")
    if obj.type in ("Module", "Journey") and obj.raw:  # received: the same page as ours
        from compagnon.server.views import collections

        return await collections.collection_page(request, obj, author)
    if obj.type == "Event" and obj.raw:
        from compagnon.server.views import events

        return await events.event_object(request, obj, author, wants_json=False)
    return await object_view(request, obj, author, user)


async def object_view(
    request: web.Request,
    obj: Object,
    author: Actor,
    user: User | None,
    sent: Any = (),
    reply: dict[str, str] | None = None,
) -> web.Response:
    async with request.app[SESSIONS]() as session:
        replies = await timelines.replies(session, obj.uri)
        parent = await object_queries.by_uri(session, obj.in_reply_to) if obj.in_reply_to else None
        lineage = await lineage_of(session, obj)  # sources and derivatives (_lineage.html)
        part_of = await collection_queries.containing(session, obj.uri)  # modules, journeys
    context = await page_context(
        request,
        user,
        obj=obj,
        author=author,
        item=timelines.Item(obj.published, obj, author),
        parent=parent,
        replies=replies,
        reacted=await reacted(request, user, [timelines.Item(obj.published, obj, author)]),
        deliveries=list(sent),
        mine=user is not None and user.actor_id == author.id,
        lineage=lineage,
        part_of=part_of,
        reply=reply or {},  # a refused reply: its message, text and visibility
    )
    return aiohttp_jinja2.render_template("object.html", request, context)


def _back(uri: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(view_url(uri))


async def react(request: web.Request) -> web.StreamResponse:
    """Like / share, and their undo (`undo=1`): /react with `kind` and `uri`."""
    user, form = await posted_form(request)
    kind = form.get("kind", "")
    if kind not in social.REACTIONS:
        raise error_page(request, 400, _("Choose like or share."))
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        obj, author = await _object_and_author(session, form.get("uri", ""))
        if not await _can_read(session, obj, user):
            raise web.HTTPNotFound(text=_("No such post here."))
        me = await session.get(Actor, user.actor_id)
        assert me is not None
        if form.get("undo"):
            await social.undo(session, ctx.urls, me, kind, obj, author)
        else:
            await social.react(session, ctx.urls, me, kind, obj, author)
    request.app[WORKER].wake()
    back = language.local_path(form.get("next", ""))
    if back:  # the timeline it was tapped on, at the same post, not the post's own page
        raise web.HTTPSeeOther(f"{back}#p-{obj.id}")
    raise _back(obj.uri)


class _Refused(Exception):
    """A reply that cannot be published as written; the message says why."""


async def _publish_text(
    request: web.Request,
    user: User,
    text: str,
    visibility: str,
    parent: tuple[Object, Actor] | None,
) -> Object:
    if not text.strip():
        raise _Refused(_("Write something before publishing."))
    if len(text) > pages.MAX_POST_CHARS:
        raise _Refused(
            ngettext(
                "Posts are at most {n} character (this one has {length}).",
                "Posts are at most {n} characters (this one has {length}).",
                pages.MAX_POST_CHARS,
                length=len(text),
            ),
        )
    if visibility not in publish.VISIBILITIES:
        raise _Refused(_("Choose who can see the post."))
    try:
        mentions = await resolve_mentions(request.app[RESOLVER], text)
    except MentionError as exc:
        raise _Refused(str(exc)) from None
    if parent is not None and all(m.id != parent[1].id for m in mentions):
        mentions.append(parent[1])  # a reply is addressed to the author it answers
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        author = await session.get(Actor, user.actor_id)
        assert author is not None
        mentions = [m for m in mentions if m.id != author.id]
        obj = await publish.publish_note(
            session,
            ctx.urls,
            author,
            text_to_html(text, tags_base=ctx.urls.base),
            visibility=visibility,
            mentions=mentions,
            language=request.app[SETTINGS].language_list[0],
            in_reply_to=parent[0].uri if parent else None,
        )
        await social.notify_local_post(session, obj, author, mentions)
    request.app[WORKER].wake()
    return obj


async def reply(request: web.Request) -> web.StreamResponse:
    user, form = await posted_form(request)
    async with request.app[SESSIONS]() as session:
        parent = await _object_and_author(session, form.get("uri", ""))
        readable = await _can_read(session, parent[0], user)
    if not readable:
        raise web.HTTPNotFound(text=_("No such post here."))
    text, visibility = form.get("content", ""), form.get("visibility", "public")
    try:
        await _publish_text(request, user, text, visibility, parent)
    except _Refused as refused:
        if parent[0].type != "Note":  # resources, events ...: their own pages have no slot for it
            raise error_page(request, 400, str(refused)) from None
        # the thread again, the message by the reply box and the text as it was typed
        refusal = {"error": str(refused), "text": text, "visibility": visibility}
        answer = await object_view(request, *parent, user, reply=refusal)
        answer.set_status(400)
        return answer
    raise _back(parent[0].uri)


async def _own_post(session: Any, user: User, uri: str) -> tuple[Object, Actor]:
    obj, author = await _object_and_author(session, uri)
    if author.id != user.actor_id or obj.type != "Note":
        raise web.HTTPForbidden(text=_("You can only change your own posts."))
    return obj, author


async def edit_form(request: web.Request) -> web.StreamResponse:
    user = await auth.signed_in_user(request)
    async with request.app[SESSIONS]() as session:
        obj, _author = await _own_post(session, user, request.query.get("uri", ""))
    from markupsafe import Markup

    text = Markup(obj.content).striptags()
    context = await page_context(request, user, obj=obj, text=text, max_chars=pages.MAX_POST_CHARS)
    return aiohttp_jinja2.render_template("edit_post.html", request, context)


async def edit(request: web.Request) -> web.StreamResponse:
    user, form = await posted_form(request)
    text = form.get("content", "")
    if not text.strip() or len(text) > pages.MAX_POST_CHARS:
        raise error_page(request, 400, _("Write something before publishing."))
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        obj, author = await _own_post(session, user, form.get("uri", ""))
        html = text_to_html(text, tags_base=ctx.urls.base)
        await publish.update_note(session, ctx.urls, author, obj, html)
    request.app[WORKER].wake()
    raise _back(obj.uri)


async def delete_post(request: web.Request) -> web.StreamResponse:
    user, form = await posted_form(request)
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        obj, author = await _own_post(session, user, form.get("uri", ""))
        await publish.delete_note(session, ctx.urls, author, obj)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther("/home")


async def report(request: web.Request) -> web.StreamResponse:
    user, form = await posted_form(request)
    comment = form.get("comment", "")[:MAX_REPORT_CHARS]
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        obj, author = await _object_and_author(session, form.get("uri", ""))
        if not await _can_read(session, obj, user):
            raise web.HTTPNotFound(text=_("No such post here."))
        me = await session.get(Actor, user.actor_id)
        assert me is not None
        await social.report(
            session, ctx.urls, me, obj, author, comment, forward=form.get("forward") == "1"
        )
    request.app[WORKER].wake()
    context = await page_context(request, user, obj=obj)
    return aiohttp_jinja2.render_template("reported.html", request, context)


async def notifications_page(request: web.Request) -> web.StreamResponse:
    user = await auth.signed_in_user(request)
    before = query_int(request, "before", minimum=1)
    async with request.app[SESSIONS].begin() as session:
        rows = await notifications.latest(session, user.actor_id, limit=30, before_id=before)
        unread_ids = {n.id for n, _a in rows if n.read_at is None}
        await notifications.mark_read(session, user.actor_id)
    older = f"/notifications?before={rows[-1][0].id}" if len(rows) == 30 else None
    context = await page_context(
        request,
        user,
        rows=rows,
        unread_ids=unread_ids,
        text_of=notification_text,
        older=older,
        http_url=http_url,
    )
    return aiohttp_jinja2.render_template("notifications.html", request, context)
