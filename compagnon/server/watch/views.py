"""/healthz (the process answers), /readyz (it can do its work) and /metrics."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from functools import lru_cache

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from compagnon.server.keys import ENGINE, SESSIONS, SETTINGS
from compagnon.server.negotiation import json_response, problem
from compagnon.server.watch.metrics import exposition, read_state
from compagnon.storage.migrate import current_revision, head_revision

DATABASE_TIMEOUT = 5.0  # seconds: a database slower than this is as good as down


async def healthz(request: web.Request) -> web.Response:
    """Alive: the event loop answers. Says nothing of the database (that is /readyz), so a
    database outage does not make an orchestrator restart healthy web processes."""
    return json_response({"status": "alive"})


@lru_cache(maxsize=1)
def _head() -> str | None:
    return head_revision()


async def readyz(request: web.Request) -> web.Response:
    """Ready: the database answers, its schema is this code's, and no queue is stuck."""
    settings = request.app[SETTINGS]
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            async with request.app[SESSIONS]() as session:
                await session.execute(text("SELECT 1"))
                state = await read_state(session)
            current = await current_revision(request.app[ENGINE])
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        return json_response({"ready": False, "checks": checks}, status=503)
    checks["database"] = "ok"
    head = _head()
    checks["migrations"] = "ok" if current == head else f"at {current}, code needs {head}"
    limit = settings.ready_max_queue_age
    stuck = {
        "inbound": state.oldest_inbound_age,
        "deliveries": state.oldest_delivery_age,
    }
    for queue, age in stuck.items():
        checks[f"queue_{queue}"] = "ok" if age <= limit else f"oldest waits {int(age)} s"
    ready = all(value == "ok" for value in checks.values())
    return json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)


def _allowed(request: web.Request, token: str) -> bool:
    if token:
        offered = request.headers.get("Authorization", "")
        return hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


async def metrics(request: web.Request) -> web.Response:
    if not _allowed(request, request.app[SETTINGS].metrics_token):
        return problem(403, "metrics are for the operator: set metrics_token and send it")
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            async with request.app[SESSIONS]() as session:
                state = await read_state(session)
    except (SQLAlchemyError, OSError, TimeoutError):
        return problem(503, "the database does not answer; see /readyz")
    body = exposition(state)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
