"""The interface language of each request, and the switcher every page carries.

Who chose what, first found wins:
1. a signed-in person's setting (`users.language`, chosen on /settings or in the footer);
2. the `compagnon_language` cookie (the footer's switcher, for visitors who are not signed in);
3. the browser's `Accept-Language`, best quality first, matched on the primary subtag
   (pt-BR reads pt);
4. the node's `language` setting.
Only languages whose catalogue translates something are chosen (i18n.available_languages);
English always is. The middleware sets `i18n.current_language` before the handler runs, so
views, templates and error pages all speak it, and resets it afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from compagnon import i18n
from compagnon.domain.resources import language_tag
from compagnon.i18n import _
from compagnon.server import auth
from compagnon.server.forms import error_page, read_form
from compagnon.server.keys import SESSIONS, SETTINGS
from compagnon.storage.models import User

COOKIE = "compagnon_language"
COOKIE_MAX_AGE = 365 * 86400
# q-values as RFC 9110 §12.4.2 writes them; anything else in the header is ignored.
_RANGE = re.compile(
    r"\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*"
)
# Where the switcher may send the reader back: a path of this site, never another site.
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\x00-\x1f]{0,2000}")


def accepted(header: str) -> list[str]:
    """The language ranges of an Accept-Language header, most wanted first (q=0 dropped)."""
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate(header[:1000].split(",")[:30]):
        found = _RANGE.fullmatch(item)
        if not found:
            continue
        try:
            quality = float(found.group(2)) if found.group(2) else 1.0
        except ValueError:
            continue
        if quality > 0:
            ranges.append((-quality, position, found.group(1)))
    return [code for _q, _p, code in sorted(ranges)]


def negotiate(
    *,
    chosen: str | None,
    cookie: str | None,
    accept_language: str,
    default: str,
    available: list[str],
) -> str:
    """The language of a request: the account's choice, the cookie, the browser, the node."""
    wished = reader_wish(
        chosen=chosen, cookie=cookie, accept_language=accept_language, available=available
    )
    if wished is not None:
        return wished
    code = i18n.supported(default)
    return code if code in available else i18n.DEFAULT_LANGUAGE


def reader_wish(
    *, chosen: str | None, cookie: str | None, accept_language: str, available: list[str]
) -> str | None:
    """The language the reader asked for (account, cookie, browser), None when none is
    available: then the page speaks the node's."""
    for wish in (chosen, cookie):
        code = i18n.supported(wish or "")
        if code in available:
            return code
    for wish in accepted(accept_language):
        code = i18n.supported(wish)
        if code in available:
            return code
    return None


def writing_language(request: web.Request, user: User) -> str:
    """The language a trainer most likely writes in, to fill a form's language field: the one
    she reads the pages in when she (her setting, the switcher, her browser) chose it, else
    the node's first language (which may be one the interface is not translated into)."""
    wished = reader_wish(
        chosen=user.language,
        cookie=request.cookies.get(COOKIE),
        accept_language=request.headers.get("Accept-Language", ""),
        available=i18n.available_languages(),
    )
    return wished or request.app[SETTINGS].language_list[0]


def posting_language(request: web.Request, user: User, asked: str) -> str:
    """The language of what a trainer posts from an app: the one the app names when it is a
    language tag, else her own (her `source[language]`, which is her setting on /settings,
    taken as is even when the interface has no catalogue for it), else her writing language
    (what her phone asks for, the node's first language)."""
    for candidate in (asked, user.language or ""):
        tag = language_tag(candidate) if candidate.strip() else None
        if tag is not None:
            return tag
    return writing_language(request, user)


async def _signed_in(request: web.Request) -> User | None:
    if not request.cookies.get(auth.COOKIE):
        return None  # peers and anonymous visitors: no database read
    try:
        return await auth.current_user(request)
    except SQLAlchemyError:
        return None  # the view meets the same failure and answers it (errors.py)


# The request being answered, for what base.html needs on every page whatever the view gave
# (a view's own `csrf_token` in the context comes first).
current_request: ContextVar[web.Request | None] = ContextVar("current_request", default=None)


def _csrf_token() -> str:
    request = current_request.get()
    return auth.csrf_token(request) if request is not None else ""


def _here() -> str:
    """Where the switcher brings the reader back: this page, if it is a plain local path."""
    request = current_request.get()
    path = request.path_qs if request is not None else "/"
    return path if _LOCAL_PATH.fullmatch(path) else "/"


def local_path(value: str) -> str | None:
    """`value` when it is a path of this site (where a form may send the reader back)."""
    return value if _LOCAL_PATH.fullmatch(value) else None


def install(env: jinja2.Environment) -> None:
    env.globals["csrf_token"] = _csrf_token
    env.globals["language_choices"] = choices
    env.globals["here"] = _here


def choices() -> list[dict[str, Any]]:
    """The switcher's options: each available language named in itself."""
    current = i18n.current_language.get()
    return [
        {"code": code, "name": i18n.LANGUAGES[code].name, "selected": code == current}
        for code in i18n.available_languages()
    ]


@web.middleware
async def language_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    user = await _signed_in(request)
    language = negotiate(
        chosen=user.language if user is not None else None,
        cookie=request.cookies.get(COOKIE),
        accept_language=request.headers.get("Accept-Language", ""),
        default=request.app[SETTINGS].language,
        available=i18n.available_languages(),
    )
    token = i18n.current_language.set(language)
    page_token = current_request.set(request)  # for the footer's form (install, below)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _vary(exc)
        raise
    finally:
        i18n.current_language.reset(token)
        current_request.reset(page_token)
    _vary(response)
    return response


def _vary(response: web.StreamResponse) -> None:
    """Pages differ by language: caches must key on what chose it."""
    if response.prepared or not response.content_type.startswith("text/html"):
        return
    have = {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    wanted = [v for v in ("Accept-Language", "Cookie") if v.lower() not in have]
    if wanted:
        response.headers["Vary"] = ", ".join(
            [v for v in [response.headers.get("Vary", "")] if v] + wanted
        )


async def choose(request: web.Request) -> web.StreamResponse:
    """`POST /language` (the footer's switcher): keep the choice in a cookie, and on the
    account of a signed-in person; then back to the page it was sent from."""
    form = await read_form(request)
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        raise error_page(
            request,
            403,
            _("The form expired or came from another site. Reload the page and send it again."),
        )
    code = i18n.supported(str(form.get("language", "")))
    if code is None or code not in i18n.available_languages():
        raise error_page(request, 400, _("Language: choose one of the languages in the list."))
    back = str(form.get("next", "/"))
    redirect = web.HTTPSeeOther(back if _LOCAL_PATH.fullmatch(back) else "/")
    user = await auth.current_user(request)
    if user is not None:
        async with request.app[SESSIONS].begin() as session:
            row = await session.get(User, user.id)
            if row is not None:
                row.language = code
    remember(request, redirect, code)
    raise redirect


def remember(request: web.Request, response: web.StreamResponse, code: str | None) -> None:
    """Keep the choice in the browser (the switcher's cookie), or forget it (None)."""
    if code is None:
        response.del_cookie(COOKIE, path="/")
        return
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.app[SETTINGS].scheme == "https",
        path="/",
    )
