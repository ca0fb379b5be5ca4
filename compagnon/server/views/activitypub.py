"""ActivityPub documents: actors, their collections, objects and activities.

The same URL answers a browser with HTML (views/pages.py) and a peer with JSON: every id we
serve equals the URL it is fetched from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from aiohttp import web

from compagnon.federation.actor_convert import to_actor_document
from compagnon.federation.convert import to_note, to_tombstone
from compagnon.federation.jsonld import OUR_CONTEXT, audience, is_public
from compagnon.federation.signing.integrity import with_assertion_method
from compagnon.operations.profile import hides_network
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS
from compagnon.server.negotiation import activity_json, problem, wants_activity_json
from compagnon.server.params import query_int
from compagnon.server.views import collections as collection_views
from compagnon.server.views import events, pages, quiz, resources
from compagnon.server.views.fetch_auth import requester
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import activities
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries.activities import OutboxRow

PAGE_SIZE = 20  # followers and following
# An outbox page ends before this many bytes of items: peers cap what they fetch (we do at
# 1 MB), and a page of long posts must stay readable for them.
OUTBOX_PAGE_BYTES = 512 * 1024


async def _local_actor(request: web.Request) -> Actor:
    async with request.app[SESSIONS]() as session:
        actor = await actor_queries.local_by_username(session, request.match_info["username"])
    if actor is None or actor.type == "Application":
        raise web.HTTPNotFound(text="no such actor")
    return actor


def _actor_doc(request: web.Request, actor: Actor) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    org = actor.type == "Organization"
    profile = (actor.raw or {}) if org else {}  # the centre's profile set on /admin/centre
    doc = to_actor_document(
        actor,
        request.app[FEDERATION].urls,
        country=(profile.get("country") or settings.country) if org else "",
        languages=(profile.get("languages") or settings.language_list) if org else None,
    )
    return with_assertion_method(doc, actor)


async def actor(request: web.Request) -> web.StreamResponse:
    found = await _local_actor(request)
    if not wants_activity_json(request):
        return await pages.profile(request, found)
    who = await requester(request)
    if isinstance(who, web.Response):
        return who
    return activity_json(_actor_doc(request, found))


async def instance_actor(request: web.Request) -> web.StreamResponse:
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS]() as session:
        found = await actor_queries.by_uri(session, ctx.urls.instance_actor)
    if found is None:
        return problem(404, "instance actor missing: run `compagnon init`")
    return activity_json(_actor_doc(request, found))


def _paged(
    collection_id: str, total: int, page: int | None, items: list[Any], has_next: bool
) -> dict[str, Any]:
    if page is None:
        return {
            "@context": OUR_CONTEXT,
            "id": collection_id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": f"{collection_id}?page=1",
        }
    doc: dict[str, Any] = {
        "@context": OUR_CONTEXT,
        "id": f"{collection_id}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "totalItems": total,
        "orderedItems": items,
    }
    if has_next:
        doc["next"] = f"{collection_id}?page={page + 1}"
    if page > 1:
        doc["prev"] = f"{collection_id}?page={page - 1}"
    return doc


def _page_number(request: web.Request) -> int | None:
    return query_int(request, "page", minimum=1, maximum=100_000)


async def followers(request: web.Request) -> web.StreamResponse:
    return await _follow_collection(request, "followers")


async def following(request: web.Request) -> web.StreamResponse:
    return await _follow_collection(request, "following")


async def _follow_collection(request: web.Request, which: str) -> web.StreamResponse:
    found = await _local_actor(request)
    who = await requester(request)
    if isinstance(who, web.Response):
        return who
    page = _page_number(request)
    collection_id = found.followers_url if which == "followers" else found.following_url
    hidden = hides_network(found)
    if hidden and page is not None:  # as Mastodon: the number is public, the list is hers
        return problem(403, "this account keeps its followers and following to itself")
    async with request.app[SESSIONS]() as session:
        counter = (
            follow_queries.count_followers
            if which == "followers"
            else follow_queries.count_following
        )
        total = await counter(session, found.id)
        items: list[Any] = []
        rows: list[Actor] = []
        if page is not None:
            offset = (page - 1) * PAGE_SIZE
            if which == "followers":
                rows = await follow_queries.followers(
                    session, found.id, limit=PAGE_SIZE + 1, offset=offset
                )
            else:
                rows = await follow_queries.following(
                    session, found.id, limit=PAGE_SIZE + 1, offset=offset
                )
            items = [a.uri for a in rows[:PAGE_SIZE]]
    has_next = page is not None and len(rows) > PAGE_SIZE
    doc = _paged(collection_id, total, page, items, has_next)
    if hidden:
        del doc["first"]  # no page to read: peers see the count alone
    return activity_json(doc)


async def outbox(request: web.Request) -> web.StreamResponse:
    """Public Creates (and the centre's Announces of its trainers' resources), newest first;
    pages are keyset-paged by `max_id` so a harvester that walks a big catalogue never skips
    or repeats."""
    found = await _local_actor(request)
    who = await requester(request)
    if isinstance(who, web.Response):
        return who
    before = query_int(request, "max_id", minimum=1)
    if found.suspended_at is not None:  # a suspended account's posts are served to nobody
        return activity_json(
            {
                "@context": OUR_CONTEXT,
                "id": found.outbox,
                "type": "OrderedCollection",
                "totalItems": 0,
                "orderedItems": [],
            }
        )
    async with request.app[SESSIONS]() as session:
        if request.query.get("page") is None and before is None:
            # Counted for the collection only: a page needs no total, and counting a big
            # catalogue for each of its pages would cost a harvester's walk dearly.
            if found.type == "Organization":  # the centre: its trainers' resources
                total = await activities.count_announces(session, found.uri)
            else:
                total = await object_queries.count_by_actor(session, found.id)
            return activity_json(
                {
                    "@context": OUR_CONTEXT,
                    "id": found.outbox,
                    "type": "OrderedCollection",
                    "totalItems": total,
                    "first": f"{found.outbox}?page=true",
                }
            )
        size = max(1, request.app[SETTINGS].outbox_page_size)
        rows = await activities.outbox_page(session, found.uri, size + 1, before, LEFT_OUT_OF_ITEMS)
    page_rows = rows[:size]
    items, taken = page_items(page_rows, OUTBOX_PAGE_BYTES)
    kept = page_rows[:taken]
    page_id = f"{found.outbox}?page=true" + (f"&max_id={before}" if before else "")
    doc: dict[str, Any] = {
        "@context": OUR_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": found.outbox,
        "orderedItems": items,
    }
    if kept and (taken < len(page_rows) or len(rows) > size):
        doc["next"] = f"{found.outbox}?page=true&max_id={kept[-1].id}"
    return activity_json(doc)


# An item is read under the page's `@context`, so it is sent without its own; and without its
# proofs, which cover that `@context` (FEP-8b32 wants the proof's `@context` to begin the
# document's): served without it, a proof fails any verifier that reads the item alone. The
# page's origin vouches for its items, as Mastodon's pages do; the activity fetched by its id
# is served whole, proof included. The database leaves them out (storage/json_sql.py): the
# items are never parsed here.
LEFT_OUT_OF_ITEMS = ("@context", "proof", "signature")


def page_items(rows: Sequence[OutboxRow], cap: int) -> tuple[list[orjson.Fragment], int]:
    """The items of an outbox page, spliced in as the database wrote them, and how many of
    `rows` the page took: it ends before `cap` bytes of what is sent (the public items), but
    takes at least one. Counting the sent bytes matters to aggregators: a Create's own
    `@context` is ~2 KB of a ~4 KB item, and counting it ended pages at ~58 items of 100."""
    items: list[orjson.Fragment] = []
    taken, used = 0, 0
    for row in rows:
        body = row.item.encode() if _is_public({"to": row.to, "cc": row.cc}) else b""
        if taken and used + len(body) > cap:
            break
        taken, used = taken + 1, used + len(body)
        if body:
            items.append(orjson.Fragment(body))
    return items, taken


def _is_public(doc: Mapping[str, Any]) -> bool:
    return any(is_public(x) for x in audience(doc))


async def object_document(request: web.Request) -> web.StreamResponse:
    ctx = request.app[FEDERATION]
    uri = f"{ctx.urls.base}/objects/{request.match_info['object_id']}"
    async with request.app[SESSIONS]() as session:
        obj = await object_queries.by_uri(session, uri)
        author = await session.get(Actor, obj.actor_id) if obj is not None else None
    if obj is None or author is None or not obj.is_local:
        return problem(404, "no such object")
    if author.suspended_at is not None:  # a suspended account's posts are served to nobody
        return problem(404, "no such object")
    if obj.deleted_at is not None:
        return activity_json(to_tombstone(obj), status=410)
    if obj.type == "Event" and obj.raw and obj.visibility in {"public", "unlisted"}:
        return await events.event_object(
            request, obj, author, wants_json=wants_activity_json(request)
        )
    if not wants_activity_json(request):
        if obj.visibility not in {"public", "unlisted"}:
            return problem(404, "no such object")
        if obj.type == "Question" and obj.raw:
            return await quiz.render(request, obj, author)
        if obj.type == "LearningResource" and obj.raw:
            return await resources.resource_page(request, obj, author)
        if obj.type in collection_views.KINDS:
            return await collection_views.collection_page(request, obj, author)
        return await pages.object_page(request, obj, author)
    private = obj.visibility not in {"public", "unlisted"}
    who = await requester(request, need_identity=private)
    if isinstance(who, web.Response):
        return who
    if not await _may_read(request, obj, author, who):
        return problem(404, "no such object")  # not even its existence is told
    # A resource keeps its full document (metadata included); a post is rebuilt from its row.
    if obj.type == "LearningResource" and obj.raw:
        answer = activity_json({"@context": OUR_CONTEXT, **obj.raw})
        if obj.visibility in {"public", "unlisted"}:  # its AMB record is public too
            answer.headers["Link"] = resources.describedby(resources.record_url(request, obj))
        return answer
    if obj.type in ("Question", *collection_views.KINDS) and obj.raw:
        return activity_json({"@context": OUR_CONTEXT, **obj.raw})
    return activity_json({"@context": OUR_CONTEXT, **to_note(obj, author)})


async def _may_read(request: web.Request, obj: Object, author: Actor, who: str | None) -> bool:
    """Public and unlisted objects are for anyone; followers-only ones for the verified
    followers and addressees; direct ones for the addressees only."""
    if obj.visibility in {"public", "unlisted"}:
        return True
    if who is None:
        return False
    addressed = set(obj.recipients.get("to", [])) | set(obj.recipients.get("cc", []))
    if who in addressed:
        return True
    if obj.visibility != "followers":
        return False
    async with request.app[SESSIONS]() as session:
        reader = await actor_queries.by_uri(session, who)
        follow = await follow_queries.get(session, reader.id, author.id) if reader else None
    return follow is not None and follow.state == "accepted"


async def activity_document(request: web.Request) -> web.StreamResponse:
    ctx = request.app[FEDERATION]
    who = await requester(request)
    if isinstance(who, web.Response):
        return who
    uri = f"{ctx.urls.base}/activities/{request.match_info['activity_id']}"
    async with request.app[SESSIONS]() as session:
        found = await activities.by_uri(session, uri)
    if found is None or not found.is_local or not _is_public(found.raw):
        return problem(404, "no such activity")
    return activity_json(found.raw)
