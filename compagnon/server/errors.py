"""Never a stack trace to a user or a peer: unexpected errors become a short, clear answer."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from compagnon.server.negotiation import problem
from compagnon.server.quiet_errors import short_reason

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
    except (HttpProcessingError, web.RequestPayloadError) as exc:
        # The body broke off or was malformed on the wire (a bad chunk, a cut gzip stream):
        # the client's fault, worth one line.
        log.info("unreadable body on %s %s: %s", request.method, request.path, short_reason(exc))
        return problem(400, "the request body could not be read")
    except ConnectionError as exc:
        # The client went away while we answered: nobody is left to tell. aiohttp closes
        # the connection; its own line about it is made short by quiet_errors.py.
        log.info("client gone on %s %s: %s", request.method, request.path, short_reason(exc))
        raise
    except Exception:
        incident = uuid.uuid4().hex[:12]
        log.exception("unexpected error %s on %s %s", incident, request.method, request.path)
        return problem(
            500, f"internal error (incident {incident}); the admin can find it in the log"
        )
