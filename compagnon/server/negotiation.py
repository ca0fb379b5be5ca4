"""Content negotiation and JSON responses shared by the views."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

AP_TYPES = ("application/activity+json", "application/ld+json")
AP_CONTENT_TYPE = "application/activity+json"


def wants_activity_json(request: web.Request) -> bool:
    """True when the client asks for ActivityPub JSON rather than a page."""
    accept = request.headers.get("Accept", "")
    return any(t in accept for t in AP_TYPES) or (
        "application/json" in accept and "text/html" not in accept
    )


def activity_json(doc: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(doc),
        status=status,
        content_type=AP_CONTENT_TYPE,
        charset="utf-8",
        headers={"Vary": "Accept"},
    )


def json_response(
    doc: Any, status: int = 200, content_type: str = "application/json"
) -> web.Response:
    # Passed as a header: aiohttp's content_type argument refuses parameters like profile=.
    return web.Response(
        body=orjson.dumps(doc), status=status, headers={"Content-Type": content_type}
    )


def problem(status: int, reason: str) -> web.Response:
    """A clear error a peer's admin (or a script) can read; never a stack trace."""
    return json_response({"error": reason, "status": status}, status=status)
