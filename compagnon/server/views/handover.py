"""What the catalogue hands on to harvesters, over HTTP: OAI-PMH at /oai (GET and POST);
the protocol is compagnon/handover/. Sitemap, robots.txt and feeds are in handover_web.py.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web

from compagnon.handover import harvest, oai, rendered
from compagnon.handover.describe import describer
from compagnon.handover.sitemap import page_url
from compagnon.i18n import _
from compagnon.server.forms import _read_capped
from compagnon.server.keys import FEDERATION, SECRET, SESSIONS, SETTINGS
from compagnon.storage.models import utcnow

XML_TYPE = "text/xml; charset=utf-8"
MAX_OAI_BODY = 16_384  # six short arguments


def repository(request: web.Request) -> oai.Repository:
    settings = request.app[SETTINGS]
    base = request.app[FEDERATION].urls.base
    return oai.Repository(
        name=settings.node_name,
        base_url=base + "/oai",
        admin_email=settings.contact_address,
        secret=request.app[SECRET],
        page_url=lambda r: page_url(base, r.uri, r.is_local, r.type),
        describe=describer(base, settings.node_name, request.app[SESSIONS]),
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
