"""The readable page of a module or journey (HTML by content negotiation on its object URL,
views/activitypub.py): every item linked, with its title where this node knows it; a
journey's phases in order with the outcome each leads to."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from compagnon.domain.collections import JOURNEY, KINDS, PHASES, phase_key, phase_label
from compagnon.domain.safe_urls import http_url
from compagnon.server import auth
from compagnon.server.keys import SESSIONS
from compagnon.server.views.pages import _base
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import collections as collection_queries

__all__ = ["KINDS", "collection_page"]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _phase_order(key: str) -> int:
    return PHASES.index(key) if key in PHASES else len(PHASES)


async def collection_page(
    request: web.Request,
    obj: Object,
    author: Actor,
    *,
    error: str | None = None,
    typed: str = "",
    typed_phase: str = "",
    status: int = 200,
) -> web.StreamResponse:
    """Ours at its URL, a peer's at /view?uri= (social.view_page). Its author, signed in,
    also gets the controls of templates/modules/_controls.html (views/module_forms.py)."""
    user = await auth.current_user(request)
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
    if obj.type == JOURNEY:  # every phase shown, so its author can add to an empty one
        for key in PHASES:
            phases.setdefault(
                key, {"key": key, "name": phase_label(key), "outcome": None, "items": []}
            )
        phases = {k: phases[k] for k in sorted(phases, key=_phase_order)}
    if not phases:
        phases[""] = {"key": "", "name": "", "outcome": None, "items": []}
    description = obj.summary
    return aiohttp_jinja2.render_template(
        "collection.html",
        request,
        _base(
            request,
            user=user,
            mine=user is not None and user.actor_id == author.id and obj.is_local,
            error=error,
            typed=typed,
            typed_phase=typed_phase,
            all_phases=[(key, phase_label(key)) for key in PHASES],
            obj=obj,
            author=author,
            title=obj.name or obj.uri,
            description=description,
            phases=list(phases.values()),
        ),
        status=status,
    )
