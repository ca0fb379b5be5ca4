"""Atom and RSS feeds (compagnon/handover/feeds.py): per actor, hashtag, ISCED-F field, EQF
level and saved search. Every page a feed follows links it with <link rel="alternate">.

Feeds are a harvest channel: the hashtag and search feeds leave out actors who do not consent
to indexing (storage/queries/consent.py; search does so itself). An actor's own feed stays,
as their profile page does: it is what their followers read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select

from compagnon.domain import hashtags, search_query
from compagnon.domain.facets import shown_title
from compagnon.domain.search_query import BadSearch
from compagnon.handover import feeds
from compagnon.handover.sitemap import page_url
from compagnon.i18n import _
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS
from compagnon.server.negotiation import problem
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries import search as search_queries
from compagnon.storage.queries import timelines


def feed_links(path: str, query: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """The <link rel="alternate"> of a page's feeds: [{type, href, title}]."""
    suffix = ("?" + urlencode(dict(query))) if query else ""
    return [
        {"type": kind, "href": f"{path}.{name}{suffix}", "title": name.upper()}
        for name, kind in feeds.FORMATS.items()
    ]


def _answer(request: web.Request, feed: feeds.Feed, entries: Sequence[feeds.Entry]) -> web.Response:
    kind = request.match_info["fmt"]
    body = feeds.render(feed, entries, kind)
    return web.Response(
        body=body, headers={"Content-Type": f"{feeds.FORMATS[kind]}; charset=utf-8"}
    )


def _entry(base: str, obj: Object, author: Actor) -> feeds.Entry:
    doc = obj.raw if isinstance(obj.raw, dict) else {}
    description = doc.get("description")
    if isinstance(description, dict):
        description = next((v for v in description.values() if isinstance(v, str)), "")
    text = description if isinstance(description, str) and description else obj.content
    title = obj.name or shown_title(doc) or feeds.summary_of(obj.content)[:80]
    return feeds.Entry(
        id=obj.uri,
        title=title,
        link=page_url(base, obj.uri, obj.is_local, obj.type),
        summary=feeds.summary_of(text or ""),
        author=author.name or author.username,
        published=obj.published,
        updated=obj.updated or obj.published,
    )


def _feed(request: web.Request, title: str, page: str) -> feeds.Feed:
    settings = request.app[SETTINGS]
    base = request.app[FEDERATION].urls.base
    return feeds.Feed(
        title=f"{title} · {settings.node_name}",
        self_url=base + request.path_qs,
        page_url=page if page.startswith("http") else base + page,
        description=title,
        language=settings.language_list[0],
    )


async def actor_feed(request: web.Request) -> web.StreamResponse:
    """GET /feeds/users/{handle}.{fmt}: an actor's public posts and resources (a trainer or
    centre of this node by name, or `name@host` of an actor held here)."""
    handle = request.match_info["handle"]
    name, _sep, host = handle.partition("@")
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        actor = await session.scalar(
            select(Actor).where(
                Actor.username == name,
                Actor.domain == (host.lower() or settings.domain),
                Actor.suspended_at.is_(None),
            )
        )
        objects = (
            await object_queries.by_actor(session, actor.id, limit=feeds.FEED_SIZE)
            if actor is not None
            else []
        )
    if actor is None:
        return problem(404, "no such actor here")
    base = request.app[FEDERATION].urls.base
    page = f"/@{actor.username}" if actor.is_local else f"/@{actor.username}@{actor.domain}"
    feed = _feed(request, actor.name or actor.username, page)
    return _answer(request, feed, [_entry(base, obj, actor) for obj in objects])


async def tag_feed(request: web.Request) -> web.StreamResponse:
    """GET /feeds/tags/{tag}.{fmt}: public posts and resources carrying the hashtag."""
    tag = hashtags.page_name(request.match_info["tag"])
    if tag is None:
        return problem(404, "no such hashtag")
    async with request.app[SESSIONS]() as session:
        items = await timelines.tagged(session, tag, limit=feeds.FEED_SIZE, consenting_only=True)
    base = request.app[FEDERATION].urls.base
    feed = _feed(request, "#" + tag, f"/tags/{tag}")
    return _answer(request, feed, [_entry(base, i.obj, i.author) for i in items])


async def _search_feed(request: web.Request, params: Mapping[str, str]) -> web.StreamResponse:
    try:
        wanted = search_query.parse(params)
    except BadSearch as exc:
        return problem(400, str(exc))
    async with request.app[SESSIONS]() as session:
        found = await search_queries.search(
            session, wanted.filters, limit=feeds.FEED_SIZE, with_facets=False
        )
        uris = [hit.uri for hit in found.hits]
        rows = (
            (
                await session.execute(
                    select(Object, Actor)
                    .join(Actor, Actor.id == Object.actor_id)
                    .where(Object.uri.in_(uris))
                )
            ).all()
            if uris
            else []
        )
    by_uri = {obj.uri: (obj, author) for obj, author in rows}
    base = request.app[FEDERATION].urls.base
    entries = [_entry(base, *by_uri[uri]) for uri in uris if uri in by_uri]
    query = search_query.to_params(wanted)
    query.pop("before", None)
    title = _describe(wanted, request.app[SETTINGS].language_list[0])
    feed = _feed(request, title, "/search?" + urlencode(query))
    return _answer(request, feed, entries)


def _describe(wanted: search_query.SearchRequest, lang: str) -> str:
    """The feed's title: what the search asks for, in words."""
    parts = [f"“{wanted.text}”"] if wanted.text else []
    for facet in search_query.FACETS:
        value = wanted.filters.facet(facet)
        if value is not None:
            parts.append(search_query.label(facet, value, lang=lang) or value)
    return _("Search: {what}", what=", ".join(parts)) if parts else _("Search: everything")


async def search_feed(request: web.Request) -> web.StreamResponse:
    """GET /feeds/search.{fmt}?q=…&eqf=…: the newest results of a search, its query string
    as /search takes it (a saved search)."""
    return await _search_feed(request, request.query)


async def isced_feed(request: web.Request) -> web.StreamResponse:
    """GET /feeds/isced/{code}.{fmt}: the newest resources of an ISCED-F field."""
    return await _search_feed(request, {"field": request.match_info["code"]})


async def eqf_feed(request: web.Request) -> web.StreamResponse:
    """GET /feeds/eqf/{level}.{fmt}: the newest resources of an EQF level."""
    return await _search_feed(request, {"eqf": request.match_info["level"]})
