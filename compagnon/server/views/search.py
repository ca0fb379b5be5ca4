"""`GET /search`: learning resources by words, trade, level, language and competence.

A page for people (no JavaScript, links for every filter, so it works on any phone) and the
same answer as JSON for `Accept: application/json`. A bad parameter gets a 400 with a plain
sentence; the text is cut into words before it reaches the database.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from compagnon.domain.safe_urls import http_url
from compagnon.domain.search_query import BadSearch, SearchRequest, label, parse, to_params
from compagnon.i18n import _, current_language
from compagnon.server import auth
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS
from compagnon.server.negotiation import json_response
from compagnon.server.views import events, previews
from compagnon.server.views.handover_feeds import feed_links
from compagnon.server.views.pages import _base
from compagnon.storage.queries import search as search_queries
from compagnon.storage.queries.search import COUNT_CAP, SearchPage


def facet_names() -> dict[str, tuple[str, str]]:
    """Each facet's title and the link that removes its filter, in the order the page shows
    them (field and competence lists are cut to the most common). Built per request: the
    reader's language."""
    return {
        "eqf": (_("Level (EQF)"), _("Any level")),
        "field": (_("Trade or field (ISCED-F)"), _("Any trade or field")),
        "occupation": (_("Occupation (ESCO)"), _("Any occupation")),
        "lang": (_("Language"), _("Any language")),
        "competence": (_("Competence"), _("Any competence")),
        "type": (_("Type of resource"), _("Any type of resource")),
        "licence": (_("Licence"), _("Any licence")),
        # Search across the country (an aggregator's page, issue 11 item 7).
        "country": (_("Country"), _("Any country")),
        "centre": (_("Centre"), _("Any centre")),
    }


# Shown on an aggregator's page only: a centre's search holds its own and its peers'.
NATIONAL_FACETS = ("country", "centre")


SHOWN_VALUES = 12


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _link(
    wanted: SearchRequest, changes: dict[str, Any] | None = None, before: int | None = None
) -> str:
    params = to_params(wanted, **(changes or {}))
    if before is not None:
        params["before"] = str(before)
    return "/search" + ("?" + urlencode(params) if params else "")


def _facets(
    wanted: SearchRequest, found: SearchPage, lang: str, national: bool = False
) -> list[dict[str, Any]]:
    shown = []
    for name, (title, any_value) in facet_names().items():
        chosen = wanted.filters.facet(name)
        if name in NATIONAL_FACETS and not national and chosen is None:
            continue
        values = found.facets.get(name, [])[:SHOWN_VALUES]
        shown.append(
            {
                "name": name,
                "title": title,
                "any": any_value,
                "chosen": chosen,
                "chosen_label": label(name, chosen, lang=lang) if chosen else "",
                "remove": _link(wanted, {name: None}),
                "values": [
                    {
                        "label": label(name, v.value, v.label, lang),
                        "count": v.count,
                        "link": _link(wanted, {name: v.value}),
                    }
                    for v in values
                    if v.value != chosen
                ],
            }
        )
    return [f for f in shown if f["chosen"] or f["values"]]


def _national_link(url: str, wanted: SearchRequest) -> str | None:
    """The national catalogue's search (setting `national_catalogue_url`) for the same words
    and filters, or None when the setting is empty or not a safe URL."""
    safe = http_url(url) if url else None
    if safe is None:
        return None
    params = to_params(wanted)
    if not params:
        return safe
    return safe + ("&" if "?" in safe else "?") + urlencode(params)


def _as_json(wanted: SearchRequest, found: SearchPage, lang: str) -> dict[str, Any]:
    return {
        "matches": found.matches,
        "capped": found.capped,
        "results": [
            {
                "id": http_url(hit.uri),  # None for one stored before the URL rule
                "title": hit.title,
                "author": hit.author_handle,
                "published": hit.published.isoformat(),
                "eqf": hit.eqf,
                "language": hit.language,
                "field": hit.field,
                "type": hit.type,
                "licence": http_url(hit.licence),
                "sensitive": hit.sensitive,
            }
            for hit in found.hits
        ],
        "next": _link(wanted, before=found.next_before) if found.next_before else None,
        "facets": {
            name: [
                {"value": v.value, "label": label(name, v.value, v.label, lang), "count": v.count}
                for v in values
            ]
            for name, values in found.facets.items()
        },
    }


def _refused(request: web.Request, message: str) -> web.StreamResponse:
    if _wants_json(request):
        return json_response({"error": message, "status": 400}, status=400)
    context = _base(request, error=message, text="", hidden={}, found=None, facets=[])
    return aiohttp_jinja2.render_template("search.html", request, context, status=400)


async def search_page(request: web.Request) -> web.StreamResponse:
    if request.query.get("kind") == "events":  # events listed, upcoming first (views/events.py)
        return await events.events_listing(request, wants_json=_wants_json(request))
    try:
        wanted = parse(request.query)
    except BadSearch as exc:
        return _refused(request, str(exc))
    user = await auth.current_user(request)
    # Unlisted resources are for the node's own signed-in trainers; followers-only and direct
    # ones are never indexed (domain/facets.py: visibility).
    visibilities = ("public", "unlisted") if user is not None else ("public",)
    async with request.app[SESSIONS]() as session:
        found = await search_queries.search(
            session, wanted.filters, before=wanted.before, visibilities=visibilities
        )
        lang = current_language.get()  # vocabulary labels in the reader's language
        if _wants_json(request):
            return json_response(_as_json(wanted, found, lang))
        base = request.app[FEDERATION].urls.base
        thumbnails = await previews.of_resources(session, base, {h.uri for h in found.hits})
    hidden = {k: v for k, v in to_params(wanted).items() if k != "q"}
    context = _base(
        request,
        user=user,
        error=None,
        text=wanted.text,
        hidden=hidden,
        found=found,
        searched=bool(wanted.filters.words or hidden or wanted.before),
        facets=_facets(wanted, found, lang, national=request.app[SETTINGS].is_aggregator),
        national=_national_link(request.app[SETTINGS].national_catalogue_url, wanted),
        older=_link(wanted, before=found.next_before) if found.next_before else None,
        newest=_link(wanted) if wanted.before else None,
        cap=COUNT_CAP,
        previews=thumbnails,
        labels=lambda facet, value: label(facet, str(value), lang=lang) if value else "",
        # This search as a feed (a saved search): views/handover_feeds.py
        feeds=feed_links("/feeds/search", to_params(wanted)),
    )
    return aiohttp_jinja2.render_template("search.html", request, context)
