"""GET /api/v2/search: accounts (by handle through WebFinger with `resolve=true`, else by
name among those this node knows), statuses (the learning resources of the search index, the
same search as /search), hashtags (those of the public posts this node holds whose name
starts with `q`, storage/queries/hashtags.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import or_, select

from compagnon.domain import hashtags as hashtag_names
from compagnon.domain.search_query import BadSearch, SearchFilters, query_words
from compagnon.federation import hashtags
from compagnon.i18n import _
from compagnon.server.api import entities
from compagnon.server.api.accounts import resolve_handle
from compagnon.server.api.base import (
    ApiError,
    api_view,
    json_answer,
    maybe_caller,
    query_text,
    truthy,
)
from compagnon.server.keys import SESSIONS, SETTINGS
from compagnon.server.params import whole_number
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import hashtags as hashtag_queries
from compagnon.storage.queries import search as search_queries
from compagnon.storage.queries.search import hidden_authors

MAX_OFFSET = 10_000
MAX_LIMIT = 40  # as Mastodon's search


def _handle(text: str) -> str | None:
    """`name@host` (with or without the leading @) or an actor's https URL, else None."""
    text = text.strip()
    if text.startswith(("https://", "http://")):
        return text
    name, sep, host = text.removeprefix("@").partition("@")
    if sep and name and ("." in host or ":" in host):
        return f"{name}@{host}"
    return None


async def find_accounts(
    request: web.Request, q: str, *, resolve: bool, limit: int = 20, offset: int = 0
) -> list[Actor]:
    """Accounts for `q`: a handle looked up through WebFinger when `resolve` (the caller
    signed in), then those this node knows whose name or username holds it; local first."""
    found: list[Actor] = []
    handle = _handle(q)
    if handle and resolve and offset == 0:
        actor = await resolve_handle(request, handle)
        if actor is not None and actor.suspended_at is None:
            found.append(actor)
    async with request.app[SESSIONS]() as session:
        name = q.removeprefix("@").split("@")[0]
        like = f"%{name.replace('%', '').replace('_', '')}%"
        rows = await session.scalars(
            select(Actor)
            .where(
                or_(Actor.username.ilike(like), Actor.name.ilike(like)),
                Actor.id.not_in(hidden_authors()),
                Actor.type.in_(("Person", "Organization", "Group", "Service")),
            )
            .order_by(Actor.is_local.desc(), Actor.id)
            .offset(offset)
            .limit(limit)
        )
        for actor in rows:
            if all(a.id != actor.id for a in found):
                found.append(actor)
    return found[:limit]


@api_view
async def accounts(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/accounts/search: `q`, `resolve` (WebFinger for a handle, signed in only),
    `limit` (40, at most 80), `offset`."""
    who = await maybe_caller(request, "read:accounts")
    q = query_text(request, "q", 500)
    if not q:
        raise ApiError(400, _("q is required"))
    limit = whole_number(request.query.get("limit") or "40", 1)
    offset = whole_number(request.query.get("offset") or "0", 0)
    if limit is None or offset is None or offset > MAX_OFFSET:
        raise ApiError(400, _("limit and offset must be whole numbers"))
    found = await find_accounts(
        request,
        q,
        resolve=truthy(request.query.get("resolve")) and who is not None,
        limit=min(limit, 80),
        offset=offset,
    )
    base = request.app[SETTINGS].base_url
    async with request.app[SESSIONS]() as session:
        return json_answer([await entities.account(session, a, base) for a in found])


def _tag_entity(known: hashtag_queries.KnownTag, base: str, today: date) -> dict[str, Any]:
    """Mastodon's Tag: its name, this node's page of it, and its use over the last week
    (each day's start as a Unix time, uses and accounts as strings, as Mastodon sends them)."""
    return {
        "name": known.name,
        "url": hashtags.href(base, known.name),
        "history": [
            {
                "day": str(int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())),
                "uses": str(known.uses.get(d, 0)),
                "accounts": str(len(known.accounts.get(d, ()))),
            }
            for d in hashtag_queries.week(today)
        ],
    }


async def find_hashtags(request: web.Request, q: str, limit: int) -> list[dict[str, Any]]:
    """The Tag entities for `q` (with or without its `#`): none when it cannot begin a
    hashtag's name (a handle, an address, several words)."""
    prefix = hashtag_names.page_name(q.lstrip("#\uff03"))
    if prefix is None or _handle(q):
        return []
    now = datetime.now(UTC)
    async with request.app[SESSIONS]() as session:
        found = await hashtag_queries.starting_with(session, prefix, limit=limit, now=now)
    base = request.app[SETTINGS].base_url
    return [_tag_entity(known, base, now.date()) for known in found]


@api_view
async def search(request: web.Request) -> web.StreamResponse:
    """GET /api/v2/search: `q`, `type` (accounts, statuses, hashtags; all without it),
    `resolve`, `limit` (20, at most 40)."""
    who = await maybe_caller(request, "read:search")
    q = query_text(request, "q", 500)
    kind = request.query.get("type", "")
    if not q:
        raise ApiError(400, _("q is required"))
    given_limit = whole_number(request.query.get("limit") or "20", 1)
    if given_limit is None:
        raise ApiError(400, _("limit and offset must be whole numbers"))
    limit = min(given_limit, MAX_LIMIT)
    base = request.app[SETTINGS].base_url
    viewer = who.actor if who else None
    statuses: list[dict[str, object]] = []
    handle = _handle(q)
    found_accounts: list[Actor] = []
    if kind in ("", "accounts"):
        found_accounts = await find_accounts(
            request,
            q,
            resolve=truthy(request.query.get("resolve")) and who is not None,
            limit=limit,
        )
    async with request.app[SESSIONS].begin() as session:
        accounts = [await entities.account(session, a, base) for a in found_accounts[:limit]]
        if kind in ("", "statuses") and not handle:
            try:
                words = query_words(q)
            except BadSearch as exc:
                raise ApiError(400, str(exc)) from None
            page = await search_queries.search(
                session, SearchFilters(words=words), limit=limit, with_facets=False
            )
            uris = [hit.uri for hit in page.hits]
            found = (
                await session.execute(
                    select(Object, Actor)
                    .join(Actor, Actor.id == Object.actor_id)
                    .where(Object.uri.in_(uris), Object.deleted_at.is_(None))
                )
            ).all()
            pairs = [(o, a) for o, a in found]
            loaded = await entities.load(session, pairs, base, viewer.id if viewer else None)
            order = {uri: i for i, uri in enumerate(uris)}
            pairs.sort(key=lambda pair: order.get(pair[0].uri, 0))
            statuses = [entities.status(o, a, loaded) for o, a in pairs]
    tags = await find_hashtags(request, q, limit) if kind in ("", "hashtags") else []
    return json_answer({"accounts": accounts, "statuses": statuses, "hashtags": tags})
