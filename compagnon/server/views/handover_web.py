"""sitemap.xml, its parts and robots.txt (compagnon/handover/sitemap.py)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from compagnon.handover import queries, sitemap
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS
from compagnon.server.views.handover import XML_TYPE

# Crawlers read these often; an hour's staleness is nothing to them and spares the database
# a walk of every record's id per request at a million records.
CACHED = {"Cache-Control": "public, max-age=3600"}


def _size(request: web.Request) -> int:
    return max(1, min(request.app[SETTINGS].sitemap_max_urls, sitemap.MAX_URLS))


async def _entries(request: web.Request, first: int, last: int) -> list[tuple[str, datetime]]:
    async with request.app[SESSIONS]() as session:
        return await sitemap.entries(session, request.app[FEDERATION].urls.base, first, last)


async def sitemap_xml(request: web.Request) -> web.StreamResponse:
    """GET /sitemap.xml: every record's page, or past the size limit an index of parts."""
    size = _size(request)
    base = request.app[FEDERATION].urls.base
    async with request.app[SESSIONS]() as session:
        split = await queries.more_than(session, size)
        buckets = await queries.sitemap_buckets(session, size) if split else []
    if split:
        body = sitemap.index((f"{base}/sitemaps/{n}.xml", stamp) for n, stamp in buckets)
    else:
        body = sitemap.single(base, await _entries(request, 0, sitemap.HUGE_ID))
    return web.Response(body=body, headers={"Content-Type": XML_TYPE, **CACHED})


async def sitemap_part(request: web.Request) -> web.StreamResponse:
    """GET /sitemaps/{n}.xml: the records whose object id is in the n-th range."""
    text = request.match_info["part"]
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise web.HTTPNotFound(text="no such sitemap")
    size = _size(request)
    part = int(text)
    entries = await _entries(request, part * size, (part + 1) * size - 1)
    if not entries:
        raise web.HTTPNotFound(text="no such sitemap")
    return web.Response(body=sitemap.urlset(entries), headers={"Content-Type": XML_TYPE, **CACHED})


async def robots_txt(request: web.Request) -> web.StreamResponse:
    """GET /robots.txt: public pages open, private pages closed, where the sitemap is."""
    return web.Response(text=sitemap.robots(request.app[FEDERATION].urls.base), headers=CACHED)
