"""An aggregator's documents: the relay actor (`/relay`, FEP-ae0c) and its followers, and the
member list (`/members`, federation/member_list.py).

Served only by a node in aggregator mode (`node_kind = "aggregator"`); a centre answers 404.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from compagnon.federation import member_list, relay
from compagnon.federation.actor_convert import to_actor_document
from compagnon.federation.jsonld import OUR_CONTEXT
from compagnon.federation.signing.integrity import with_assertion_method
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS
from compagnon.server.negotiation import activity_json, problem
from compagnon.storage.queries import relays


def _aggregator(request: web.Request) -> None:
    if not request.app[SETTINGS].is_aggregator:
        raise web.HTTPNotFound(text="this node is no aggregator: it runs no relay")


async def relay_actor(request: web.Request) -> web.StreamResponse:
    _aggregator(request)
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS].begin() as session:
        found = await relay.relay_document(session, ctx.urls)
        doc: dict[str, Any] = to_actor_document(found, ctx.urls)
        doc = with_assertion_method(doc, found)
    doc.pop("outbox", None)  # a relay hands on as things happen: there is nothing to page
    return activity_json(doc)


async def relay_followers(request: web.Request) -> web.StreamResponse:
    """How many nodes subscribe (not who: the list is the aggregator's business)."""
    _aggregator(request)
    ctx = request.app[FEDERATION]
    async with request.app[SESSIONS]() as session:
        found = await relay.relay_actor(session, ctx.urls)
        if found is None:
            return problem(404, "no relay yet")
        total = len(await relays.subscribers(session))
    return activity_json(
        {
            "@context": OUR_CONTEXT,
            "id": found.followers_url,
            "type": "OrderedCollection",
            "totalItems": total,
        }
    )


async def members(request: web.Request) -> web.StreamResponse:
    """The centres this aggregator keeps (those its accounts follow), with their nodes' hosts:
    a document other nodes subscribe to as an allowlist (member_list_url)."""
    _aggregator(request)
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        doc = await member_list.member_document(
            session, request.app[FEDERATION].urls, settings.node_name
        )
    return activity_json(doc)
