"""Never a stack trace to a user or a peer: unexpected errors become a short, clear answer."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from compagnon.i18n import _
from compagnon.server import auth
from compagnon.server.keys import SETTINGS
from compagnon.server.negotiation import problem
from compagnon.server.quiet_errors import short_reason

log = logging.getLogger(__name__)


def _browser(request: web.Request) -> bool:
    return request.method in ("GET", "HEAD") and "text/html" in request.headers.get("Accept", "")


async def not_found_page(request: web.Request, text: str | None) -> web.StreamResponse:
    """A 404 for a person: the site's layout, translated, a way back (the router's own 404
    and every view's short text alike)."""
    if not text or text == "404: Not Found":
        text = _("There is no page at this address.")
    settings = request.app[SETTINGS]
    context = {
        "node_name": settings.node_name,
        "domain": settings.domain,
        "status": 404,
        "message": text,
        "user": await auth.current_user(request),  # the header a signed-in reader expects
        "csrf_token": lambda: auth.csrf_token(request),
    }
    return aiohttp_jinja2.render_template("error.html", request, context, status=404)


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPNotFound as exc:
        if _browser(request) and exc.content_type == "text/plain":
            return await not_found_page(request, exc.text)
        raise
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
        if "text/html" in request.headers.get("Accept", ""):  # a person: a page, not JSON
            try:
                return _failure_page(request, incident)
            except Exception:  # the page itself failing: the plain answer below
                log.exception("the error page of incident %s failed too", incident)
        return problem(
            500, f"internal error (incident {incident}); the admin can find it in the log"
        )


def _failure_page(request: web.Request, incident: str) -> web.Response:
    """A 500 for a person: the site's layout, translated, the incident to quote to the admin.
    Nothing here reads the database (it may be what failed)."""
    settings = request.app[SETTINGS]
    context = {
        "node_name": settings.node_name,
        "domain": settings.domain,
        "status": 500,
        "message": _(
            "Something went wrong on this node. Try again in a moment; if it keeps happening, "
            "tell the admin the incident number {incident}.",
            incident=incident,
        ),
        "user": auth.known_user(request),
        "csrf_token": lambda: auth.csrf_token(request),
    }
    return aiohttp_jinja2.render_template("error.html", request, context, status=500)
