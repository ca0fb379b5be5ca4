"""The inboxes (shared and per actor). The pipeline decides; this module maps its typed
outcomes to HTTP, in this one place."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from compagnon import logs
from compagnon.federation.inbox.outcomes import (
    Accepted,
    BadSignature,
    Malformed,
    NotAllowed,
    Outcome,
    TooLarge,
    TooMany,
)
from compagnon.federation.inbox.pipeline import InboundRequest, InboxPolicy, KeyLookups, receive
from compagnon.server.keys import (
    BLOCKED,
    FEDERATION,
    INBOX_RATE,
    INBOX_WRITER,
    RESOLVER,
    SETTINGS,
)
from compagnon.server.negotiation import json_response, problem
from compagnon.server.watch.metrics import INBOX

log = logging.getLogger(__name__)

STATUS: dict[type[Outcome], int] = {
    Accepted: 202,
    Malformed: 400,
    BadSignature: 401,
    NotAllowed: 403,
    TooLarge: 413,
    TooMany: 429,
}
# The outcome's name in /metrics (compagnon_inbox_requests_total{outcome=...}).
METRIC: dict[type[Outcome], str] = {
    Accepted: "accepted",
    Malformed: "malformed",
    BadSignature: "bad_signature",
    NotAllowed: "not_allowed",
    TooLarge: "too_large",
    TooMany: "too_many",
}


def public_url(request: web.Request) -> str:
    """The URL the peer addressed (and signed), from our configured public base: behind a
    reverse proxy the socket's own scheme and host are not the ones that were signed."""
    return request.app[FEDERATION].urls.base + request.path_qs


async def read_capped(request: web.Request, cap: int) -> bytes | None:
    """The whole body, or None when it is over `cap` (read no further than cap + 1 bytes).

    One `read(n)` returns what is buffered, up to n, not n: read until the end of the body."""
    if request.content_length is not None and request.content_length > cap:
        return None
    chunks: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = await request.content.read(cap + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > cap else b"".join(chunks)


async def post_inbox(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    policy = InboxPolicy(
        max_body_bytes=settings.max_body_bytes,
        signature_max_age=settings.signature_max_age,
        blocked_hosts=await request.app[BLOCKED].hosts(),
        max_json_depth=settings.max_json_depth,
        rate_limiter=request.app[INBOX_RATE],
        allowed_hosts=await request.app[BLOCKED].allowed(),
    )
    body = await read_capped(request, settings.max_body_bytes)
    if body is None:
        INBOX.labels("too_large").inc()
        return problem(413, f"body over {settings.max_body_bytes} bytes")
    inbound = InboundRequest(
        request.method, public_url(request), request.headers, body, logs.request_id.get()
    )
    resolver = request.app[RESOLVER]
    keys = KeyLookups(resolver.key_lookup, resolver.proof_key_lookup)
    try:
        outcome = await receive(inbound, policy, keys, request.app[INBOX_WRITER].store)
    except (SQLAlchemyError, OSError, TimeoutError):
        # The database is unavailable: say so, and the peer retries later (5xx is retried).
        log.exception("inbox could not store an activity")
        INBOX.labels("unavailable").inc()
        return problem(503, "this node cannot store activities right now; try again later")
    status = STATUS[type(outcome)]
    INBOX.labels(METRIC[type(outcome)]).inc()
    if status != 202:
        log.info("inbox refused (%s): %s", status, outcome.reason)
        answer = problem(status, outcome.reason)
        if isinstance(outcome, TooMany):
            answer.headers["Retry-After"] = str(outcome.retry_after)
        return answer
    return json_response({"status": "accepted"}, status=202)
