"""`GET /export/amb`: the catalogue as AMB records, a page at a time after a cursor, with the
deletions since (compagnon/handover/export.py). Open to anyone, as the records are."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from compagnon.handover.export import DEFAULT_LIMIT, MAX_LIMIT, BadCursor, export_page, read_cursor
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS
from compagnon.server.negotiation import json_response
from compagnon.server.params import bad_request, query_int


async def export_amb(request: web.Request) -> web.StreamResponse:
    limit = query_int(request, "limit", minimum=1, maximum=MAX_LIMIT) or DEFAULT_LIMIT
    since_text = request.query.get("since", "")
    try:
        since = read_cursor(since_text) if since_text else None
    except BadCursor as exc:
        raise bad_request(str(exc)) from None
    base = request.app[FEDERATION].urls.base
    async with request.app[SESSIONS]() as session:
        page = await export_page(
            session,
            since=since,
            limit=limit,
            base_url=base,
            provider_name=request.app[SETTINGS].node_name,
        )
    cursor = page.cursor.text() if page.cursor is not None else None
    params = {"limit": str(limit), **({"since": cursor} if cursor else {})}
    answer = json_response(
        {
            "records": page.records,
            "deleted": page.deleted,
            "cursor": cursor,
            "complete": page.complete,
            "next": f"{base}/export/amb?{urlencode(params)}",
        }
    )
    answer.headers["Access-Control-Allow-Origin"] = "*"  # open metadata, as the AMB records
    return answer
