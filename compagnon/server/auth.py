"""Login sessions in a signed cookie (HMAC-SHA256 with the node's secret) and CSRF tokens.

CSRF, one mechanism for every form (sign-in included, where there is no session yet): the
browser gets a random `compagnon_csrf` cookie the first time a page with a form is rendered
for it, and each form carries `csrf`, an HMAC of that cookie and the session cookie. Another
site can make the browser send the cookies but can neither read them nor compute the token,
so a POST without the right token is refused (403).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from http.cookies import SimpleCookie

from aiohttp import web

from compagnon.server.keys import SECRET, SESSIONS, SETTINGS
from compagnon.storage.models import Actor, User

COOKIE = "compagnon_session"
CSRF_COOKIE = "compagnon_csrf"
MAX_AGE = 30 * 86400
NEW_CSRF_COOKIE = web.RequestKey("new_csrf_cookie", str)  # a cookie to set on the answer
SIGNED_IN = web.RequestKey("signed_in", tuple[User | None])  # current_user's answer, kept
BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{32}")


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
    """The signed-in person, read once per request (the language middleware asks first)."""
    if SIGNED_IN in request:
        return request[SIGNED_IN][0]
    user = await _read_current_user(request)
    request[SIGNED_IN] = (user,)
    return user


def known_user(request: web.Request) -> User | None:
    """The signed-in person if this request already asked (every page does, through the
    language middleware), without touching the database: for pages drawn from sync code."""
    return request[SIGNED_IN][0] if SIGNED_IN in request else None


async def _read_current_user(request: web.Request) -> User | None:
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    user_id = user_id_from_cookie(request.app[SECRET], value)
    if user_id is None:
        return None
    async with request.app[SESSIONS]() as session:
        user = await session.get(User, user_id)
        # A suspended account's open sessions end with the suspension.
        actor = await session.get(Actor, user.actor_id) if user is not None else None
    if user is None or actor is None or actor.suspended_at is not None:
        return None
    return user


def _csrf_mac(request: web.Request, browser: str) -> str:
    return _mac(request.app[SECRET], f"csrf:{browser}:{request.cookies.get(COOKIE, '')}")


def csrf_token(request: web.Request) -> str:
    """The token for the forms of a page rendered for this request (gives the browser its
    CSRF cookie, on this answer, when it has none yet)."""
    browser = request.cookies.get(CSRF_COOKIE, "")
    if not BROWSER_ID.fullmatch(browser):
        browser = request.get(NEW_CSRF_COOKIE) or secrets.token_urlsafe(24)
        request[NEW_CSRF_COOKIE] = browser
    return _csrf_mac(request, browser)


def check_csrf(request: web.Request, token: str) -> bool:
    """True when `token` (the form's `csrf` field) belongs to this browser and session."""
    browser = request.cookies.get(CSRF_COOKIE, "")
    if not BROWSER_ID.fullmatch(browser):
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters (a hostile form has them).
    return hmac.compare_digest(_csrf_mac(request, browser).encode(), token.encode())


async def set_csrf_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: send the CSRF cookie chosen while rendering, if any. (The
    response's cookies are already headers when this signal runs: it adds the header.)"""
    browser = request.get(NEW_CSRF_COOKIE)
    if not browser:
        return
    cookie: SimpleCookie = SimpleCookie()
    cookie[CSRF_COOKIE] = browser
    morsel = cookie[CSRF_COOKIE]
    morsel["max-age"] = str(MAX_AGE)
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    morsel["path"] = "/"
    if request.app[SETTINGS].scheme == "https":
        morsel["secure"] = True
    response.headers.add("Set-Cookie", morsel.OutputString())


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


async def signed_in_user(request: web.Request) -> User:
    """The signed-in person; anyone else is sent to the sign-in page."""
    user = await current_user(request)
    if user is None:
        raise web.HTTPSeeOther("/login")
    return user


async def signed_in_actor(request: web.Request) -> tuple[User, Actor]:
    """The signed-in trainer and her actor; anyone else is sent to the sign-in page."""
    user = await signed_in_user(request)
    async with request.app[SESSIONS]() as session:
        actor = await session.get(Actor, user.actor_id)
    assert actor is not None
    return user, actor
