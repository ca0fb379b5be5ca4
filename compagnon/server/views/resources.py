"""A learning resource's public page and its AMB record.

The page (HTML by content negotiation on the object URL, and `/resource?uri=` for a
resource received from a peer) shows everything the resource says: the title and
description in each of its languages (primary first), the link and every file with its kind
and size, the licence, every metadata value as a link to the search filtered by it, and
what it is based on or part of. The AMB record (federation/amb.py) is served at
`{object}/amb` (`/resource/amb?uri=` for a peer's), linked from both answers with
`rel="describedby"` and embedded in the page as a JSON-LD data block.

Remote files are linked where they live, never copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp_jinja2
from aiohttp import web

from compagnon.domain import search_query
from compagnon.domain.resources import LearningResource
from compagnon.domain.safe_urls import http_url
from compagnon.domain.vocabularies import vocabulary
from compagnon.federation import amb
from compagnon.federation.resource_convert import competence_uri, resource_from_document
from compagnon.federation.resource_text import duration_text, file_kind
from compagnon.i18n import _, current_language, format_size
from compagnon.operations.provenance_text import received_via
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS
from compagnon.server.negotiation import json_response, problem
from compagnon.server.views import module_forms, previews
from compagnon.server.views.lineage import lineage_of
from compagnon.server.views.pages import _base
from compagnon.server.views.resource_actions import resource_actions
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import collections as collection_queries
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries import provenance


@dataclass(frozen=True)
class Value:
    """One metadata value on the page: its label and, when search has a filter for it, the
    link to the search filtered by it."""

    label: str
    search: str | None = None


def _search(facet: str, value: str) -> str:
    return "/search?" + urlencode({facet: value})


def record_url(request: web.Request, obj: Object) -> str:
    """Where the AMB record of `obj` is served by this node."""
    if obj.is_local:
        return obj.uri + amb.AMB_SUFFIX
    base = request.app[FEDERATION].urls.base
    return f"{base}/resource/amb?uri={quote(obj.uri, safe='')}"


def describedby(url: str) -> str:
    return f'<{url}>; rel="describedby"; type="{amb.MEDIA_TYPE}"'


async def _record(request: web.Request, obj: Object) -> dict[str, Any]:
    assert obj.raw is not None
    doc = obj.raw
    settings = request.app[SETTINGS]
    uris = set(amb.linked_uris(doc))
    async with request.app[SESSIONS]() as session:
        actors = await actor_queries.by_uris(session, uris)
        names = await object_queries.names_by_uris(session, uris)
    names.update({uri: a.name or a.username for uri, a in actors.items() if a.name or a.username})
    return amb.amb_record(
        doc,
        record_url=record_url(request, obj),
        provider_url=request.app[FEDERATION].urls.base + "/",
        provider_name=settings.node_name,
        names=names,
        actor_types={uri: a.type for uri, a in actors.items()},
    )


def _amb_answer(record: dict[str, Any]) -> web.Response:
    answer = json_response(record, content_type=f"{amb.MEDIA_TYPE}; charset=utf-8")
    answer.headers["Access-Control-Allow-Origin"] = "*"  # metadata, open to any harvester
    return answer


def _is_public_resource(obj: Object | None) -> bool:
    return (
        obj is not None
        and obj.type == "LearningResource"
        and obj.raw is not None
        and obj.deleted_at is None
        and obj.visibility in {"public", "unlisted"}
    )


async def amb_document(request: web.Request) -> web.StreamResponse:
    """GET /objects/{object_id}/amb: the AMB record of one of our public resources."""
    uri = f"{request.app[FEDERATION].urls.base}/objects/{request.match_info['object_id']}"
    async with request.app[SESSIONS]() as session:
        obj = await object_queries.by_uri(session, uri)
    if obj is None or not obj.is_local or not _is_public_resource(obj):
        return problem(404, "no such learning resource")
    return _amb_answer(await _record(request, obj))


async def _stored(request: web.Request) -> tuple[Object, Actor] | web.Response:
    uri = http_url(request.query.get("uri", "").strip())
    if uri is None:
        return problem(400, "give the resource's address: ?uri=https://...")
    async with request.app[SESSIONS]() as session:
        obj = await object_queries.by_uri(session, uri)
        author = await session.get(Actor, obj.actor_id) if obj is not None else None
    if author is None or obj is None or not _is_public_resource(obj):
        return problem(404, "no such learning resource here")
    return obj, author


async def remote_amb(request: web.Request) -> web.StreamResponse:
    """GET /resource/amb?uri=...: the AMB record of any public resource this node holds."""
    found = await _stored(request)
    if isinstance(found, web.Response):
        return found
    return _amb_answer(await _record(request, found[0]))


async def remote_page(request: web.Request) -> web.StreamResponse:
    """GET /resource?uri=...: the page of any public resource this node holds (ours are
    sent to their own address)."""
    found = await _stored(request)
    if isinstance(found, web.Response):
        return found
    obj, author = found
    if obj.is_local:
        raise web.HTTPSeeOther(obj.uri)
    return await resource_page(request, obj, author)


def _languages(resource: LearningResource) -> list[dict[str, str]]:
    titles, descriptions = resource.titles(), resource.descriptions()
    return [
        {"lang": lang, "title": title, "description": descriptions.get(lang, "")}
        for lang, title in titles.items()
    ]


def _licence(resource: LearningResource) -> dict[str, Any]:
    licences = vocabulary("licences")
    if resource.license in licences:
        concept = licences[resource.license]
        return {
            "name": concept.label(),
            "short": str(concept.attributes["short"]),
            "url": resource.license,
            "open": True,
            "search": _search("licence", resource.license),
        }
    return {"name": "", "short": "", "url": resource.license, "open": False, "search": None}


def _competences(refs: tuple[str, ...], base: str, lang: str) -> list[Value]:
    found = []
    for ref in refs:
        uri = competence_uri(ref, base)
        label = search_query.competence_label(ref, lang) or uri
        term = ref if ref.startswith("digcompedu:") or http_url(ref) else None
        found.append(Value(label, _search("competence", term) if term else None))
    return found


def _metadata(resource: LearningResource, base: str, lang: str) -> list[tuple[str, list[Value]]]:
    """Every metadata value with its label, in the order a trainer reads them."""
    rows: list[tuple[str, list[Value]]] = []
    if resource.eqf_level:
        level = str(resource.eqf_level)
        label = vocabulary("eqf").label(level, lang) or f"EQF {level}"
        rows.append((_("Level (EQF)"), [Value(label, _search("eqf", level))]))
    if resource.isced_field:
        label = vocabulary("isced-f").label(resource.isced_field, lang) or resource.isced_field
        rows.append((_("Field (ISCED-F)"), [Value(label, _search("field", resource.isced_field))]))
    if resource.resource_type:
        label = vocabulary("hcrt").label(resource.resource_type, lang) or resource.resource_type
        rows.append((_("Type"), [Value(label, _search("type", resource.resource_type))]))
    if resource.audiences:
        audience = vocabulary("lrmi-audience")
        rows.append(
            (_("Audience"), [Value(audience.label(a, lang) or a) for a in resource.audiences])
        )
    if resource.occupations:
        rows.append(
            (
                _("Occupation"),
                [
                    Value(search_query.occupation_label(o, lang) or o, _search("occupation", o))
                    for o in resource.occupations
                ],
            )
        )
    for title, refs in (
        (_("Teaches"), resource.teaches),
        (_("Assesses"), resource.assesses),
        (_("Requires"), resource.requires),
    ):
        if refs:
            rows.append((title, _competences(refs, base, lang)))
    rows.append(
        (
            _("Languages"),
            [
                Value(lang_tag, _search("lang", lang_tag.split("-")[0].lower()))
                for lang_tag in resource.in_language
            ],
        )
    )
    if resource.time_required:
        rows.append((_("Time"), [Value(duration_text(resource.time_required) or "")]))
    if resource.keywords:
        rows.append((_("Keywords"), [Value(k, _search("q", k)) for k in resource.keywords]))
    return rows


def _files(resource: LearningResource, previews: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "url": a.url,
            "preview": previews.get(a.url),
            "name": a.name or a.url.rsplit("/", 1)[-1],
            "kind": file_kind(a.media_type) or a.media_type or "",
            "media_type": a.media_type or "",
            "size": format_size(a.size) if a.size is not None else "",
        }
        for a in resource.attachments
        if http_url(a.url)
    ]


async def resource_page(request: web.Request, obj: Object, author: Actor) -> web.StreamResponse:
    """The page of a learning resource (ours at its own URL, a peer's at /resource?uri=)."""
    assert obj.raw is not None
    resource = resource_from_document(obj.raw)
    record = await _record(request, obj)
    base = request.app[FEDERATION].urls.base
    lang = current_language.get()  # vocabulary labels in the reader's language, else English
    async with request.app[SESSIONS]() as session:
        names = await object_queries.names_by_uris(session, set(resource.is_part_of))
        lineage = await lineage_of(session, obj)  # sources and derivatives (_lineage.html)
        containing = await collection_queries.containing(session, obj.uri)  # _part_of.html
        file_previews = await previews.of_files(session, base, resource.attachments)
        seen = None if obj.is_local else await provenance.by_object_id(session, obj.id)
    context = _base(
        request,
        obj=obj,
        author=author,
        resource=resource,
        languages=_languages(resource),
        licence=_licence(resource),
        metadata=_metadata(resource, base, lang),
        files=_files(resource, file_previews),
        lineage=lineage,
        containing=containing,
        part_of=[(u, names.get(u, u)) for u in resource.is_part_of],
        amb_url=record_url(request, obj),
        amb_json=amb.script_json(record),
        **await resource_actions(request, obj, author),  # edit, delete, remix (publish.py)
        received_via=received_via(seen) if seen is not None else "",
        add_to=await module_forms.choices_for(request, obj.uri),  # "Add to module"
    )
    answer = aiohttp_jinja2.render_template("resource.html", request, context)
    answer.headers["Link"] = describedby(record_url(request, obj))
    answer.headers["Vary"] = "Accept"
    return answer
