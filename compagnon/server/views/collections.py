"""The readable page of a module or journey (HTML by content negotiation on its object URL,
views/activitypub.py): every item linked, with its title where this node knows it; a
journey's phases in order with the outcome each leads to."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from compagnon.domain.collections import JOURNEY, KINDS, phase_key, phase_label
from compagnon.domain.safe_urls import http_url
from compagnon.server.keys import SESSIONS
from compagnon.server.views.pages import _base
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import collections as collection_queries

__all__ = ["KINDS", "collection_page"]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


async def collection_page(request: web.Request, obj: Object, author: Actor) -> web.StreamResponse:
    async with request.app[SESSIONS]() as session:
        items = await collection_queries.items_of(session, obj.id)
        titles = await collection_queries.titles(session, [uri for _phase, uri in items])
    raw = obj.raw or {}
    phases: dict[str, dict[str, Any]] = {}
    if obj.type == JOURNEY:
        for n, doc in enumerate(raw.get("orderedItems") or []):
            if isinstance(doc, dict):
                key = phase_key(doc, n)
                outcome = http_url(_text(doc.get("educationalCredentialAwarded")))
                name = _text(doc.get("name")) or phase_label(key)
                phases[key] = {"key": key, "name": name, "outcome": outcome, "items": []}
    for phase, uri in items:
        entry = phases.setdefault(
            phase, {"key": phase, "name": phase_label(phase), "outcome": None, "items": []}
        )
        entry["items"].append({"uri": uri, "title": titles.get(uri, "")})
    if not phases:
        phases[""] = {"key": "", "name": "", "outcome": None, "items": []}
    description = obj.summary
    return aiohttp_jinja2.render_template(
        "collection.html",
        request,
        _base(
            request,
            obj=obj,
            author=author,
            title=obj.name or obj.uri,
            description=description,
            phases=list(phases.values()),
        ),
    )
