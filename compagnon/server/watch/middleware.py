"""Every request gets an id (kept in the logs, the activities it brings and the answer's
`X-Request-Id`) and its time to answer is counted per route."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from compagnon import logs
from compagnon.server.watch.metrics import LATENCY

HEADER = "X-Request-Id"


def route_of(request: web.Request) -> str:
    """The route's pattern (`/users/{username}`), never the path itself: a label per URL
    would let any client grow the metrics without bound."""
    route = request.match_info.route
    resource = route.resource
    if resource is None or request.match_info.http_exception is not None:
        return "unmatched"
    return resource.canonical


@web.middleware
async def watch_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    rid = logs.new_request_id(request.headers.get(HEADER))
    token = logs.request_id.set(rid)
    started = time.perf_counter()
    try:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers[HEADER] = rid
            raise
        if not response.prepared:
            response.headers[HEADER] = rid
        return response
    finally:
        LATENCY.labels(route_of(request), request.method).observe(time.perf_counter() - started)
        logs.request_id.reset(token)
