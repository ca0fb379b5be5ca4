"""Login sessions in a signed cookie (HMAC-SHA256 with the node's secret) and CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from aiohttp import web

from compagnon.server.keys import SECRET, SESSIONS
from compagnon.storage.models import User

COOKIE = "compagnon_session"
MAX_AGE = 30 * 86400


def _mac(secret: bytes, text: str) -> str:
    digest = hmac.new(secret, text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def session_cookie(secret: bytes, user_id: int, now: float | None = None) -> str:
    expires = int((now or time.time()) + MAX_AGE)
    payload = f"{user_id}.{expires}"
    return f"{payload}.{_mac(secret, payload)}"


def user_id_from_cookie(secret: bytes, value: str, now: float | None = None) -> int | None:
    parts = value.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(secret, payload), parts[2]):
        return None
    if int(parts[1]) < (now or time.time()):
        return None
    return int(parts[0])


async def current_user(request: web.Request) -> User | None:
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    user_id = user_id_from_cookie(request.app[SECRET], value)
    if user_id is None:
        return None
    async with request.app[SESSIONS]() as session:
        return await session.get(User, user_id)


def csrf_token(request: web.Request) -> str:
    return _mac(request.app[SECRET], "csrf:" + request.cookies.get(COOKIE, ""))


def check_csrf(request: web.Request, token: str) -> bool:
    return hmac.compare_digest(csrf_token(request), token)


def log_in(response: web.StreamResponse, secret: bytes, user: User, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        session_cookie(secret, user.id),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )
