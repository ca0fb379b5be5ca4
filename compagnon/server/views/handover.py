"""What the catalogue hands on to harvesters, over HTTP: OAI-PMH at /oai (GET and POST);
the protocol is compagnon/handover/. Sitemap, robots.txt and feeds are in handover_web.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, quote

from aiohttp import web

from compagnon.federation import amb
from compagnon.handover import harvest, oai, queries, rendered
from compagnon.handover.sitemap import page_url
from compagnon.i18n import _
from compagnon.server.forms import _read_capped
from compagnon.server.keys import FEDERATION, SECRET, SESSIONS, SETTINGS
from compagnon.storage.models import utcnow
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import objects as object_queries

XML_TYPE = "text/xml; charset=utf-8"
MAX_OAI_BODY = 16_384  # six short arguments


def amb_url(base: str, uri: str, is_local: bool) -> str:
    if is_local:
        return uri + amb.AMB_SUFFIX
    return f"{base}/resource/amb?uri={quote(uri, safe='')}"


async def describe(
    request: web.Request,
    records: Sequence[queries.Record],
    documents: dict[int, dict[str, Any]],
) -> dict[int, dict[str, Any]]:
    """The AMB records of records whose metadata is not stored yet (handover/rendered.py),
    from their AS2 documents, with the names of the actors and sources they name (two
    statements for the lot). Only the settings' address and name of this node enter them."""
    base = request.app[FEDERATION].urls.base
    settings = request.app[SETTINGS]
    shown = [r for r in records if r.object_id in documents and not r.deleted]
    uris = {uri for r in shown for uri in amb.linked_uris(documents[r.object_id])}
    async with request.app[SESSIONS]() as session:
        actors = await actor_queries.by_uris(session, uris) if uris else {}
        names = await object_queries.names_by_uris(session, uris) if uris else {}
    names.update({uri: a.name or a.username for uri, a in actors.items() if a.name or a.username})
    kinds = {uri: a.type for uri, a in actors.items()}
    return {
        r.object_id: amb.amb_record(
            documents[r.object_id],
            record_url=amb_url(base, r.uri, r.is_local),
            provider_url=base + "/",
            provider_name=settings.node_name,
            names=names,
            actor_types=kinds,
        )
        for r in shown
    }


def repository(request: web.Request) -> oai.Repository:
    settings = request.app[SETTINGS]
    base = request.app[FEDERATION].urls.base

    async def described(
        records: Sequence[queries.Record], documents: dict[int, dict[str, Any]]
    ) -> dict[int, dict[str, Any]]:
        return await describe(request, records, documents)

    return oai.Repository(
        name=settings.node_name,
        base_url=base + "/oai",
        admin_email=settings.contact_address,
        secret=request.app[SECRET],
        page_url=lambda r: page_url(base, r.uri, r.is_local, r.type),
        describe=described,
        rendering=rendered.rendering(base, settings.node_name),
        page_size=max(1, min(settings.oai_page_size, 1000)),
    )


def _pairs(text: str) -> list[tuple[str, str]] | None:
    """The arguments of a query string or form body; None when they are not clean UTF-8 text
    (a harvester's mistake gets badArgument, and nothing odd reaches the database or XML)."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    for key, value in pairs:
        if any(_unfit(c) for c in key + value):
            return None
    return pairs


def _unfit(char: str) -> bool:
    """A character XML 1.0 cannot carry (or PostgreSQL cannot store: NUL)."""
    code = ord(char)
    return code < 0x20 or 0xD800 <= code < 0xE000 or code in (0xFFFE, 0xFFFF)


async def oai_endpoint(request: web.Request) -> web.StreamResponse:
    """GET or POST /oai: one OAI-PMH request (POST as application/x-www-form-urlencoded)."""
    repo = repository(request)
    now = utcnow()
    if request.method == "POST":
        kind = request.content_type
        body = await _read_capped(request, MAX_OAI_BODY)
        text = None
        if body is not None and kind == "application/x-www-form-urlencoded":
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        pairs = _pairs(text) if text is not None else None
    else:
        pairs = _pairs(request.query_string)
    if pairs is None:
        error = oai.OaiError(
            "badArgument",
            _(
                "Send the arguments as UTF-8 text, in the query string or an "
                "application/x-www-form-urlencoded body."
            ),
        )
        answer = oai.error_document(repo, now, error, None, {})
    else:
        answer = await harvest.respond(repo, request.app[SESSIONS], pairs, now)
    return web.Response(body=answer, headers={"Content-Type": XML_TYPE})
