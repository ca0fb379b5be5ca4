"""Never a stack trace to a user or a peer: unexpected errors become a short, clear answer."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from compagnon.server.negotiation import problem

log = logging.getLogger(__name__)


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException:
        raise  # deliberate answers (404, redirects ...) carry their own short text
    except Exception:
        incident = uuid.uuid4().hex[:12]
        log.exception("unexpected error %s on %s %s", incident, request.method, request.path)
        return problem(
            500, f"internal error (incident {incident}); the admin can find it in the log"
        )
