"""Reading the body of a form POST, for every form of the node.

A form is `application/x-www-form-urlencoded` in UTF-8 (what our pages send) or
`multipart/form-data` (what scripts often send), at most `form_max_bytes`. Anything else (an
unknown or non-UTF-8 charset, bytes that are not UTF-8, a multipart body without boundary or
broken, a file, too many fields) is answered with a short page that says what was wrong: 400,
413 or 415, never a 500, and nothing is done with it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import aiohttp_jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDict, MultiDictProxy

from compagnon.i18n import _, ngettext
from compagnon.server import auth
from compagnon.server.keys import SETTINGS

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
UTF8_NAMES = {"utf-8", "utf8"}
ASCII_NAMES = {"us-ascii", "ascii"}
MAX_FIELDS = 50  # our largest form has four
TRANSLATION_ROWS = 20  # `tr_language_N`, `tr_title_N`, `tr_description_N` read for N = 1..20


def error_page(request: web.Request, status: int, message: str, **extra: Any) -> web.HTTPException:
    """An HTTP error whose body is a readable page (raise it from a view)."""
    settings = request.app[SETTINGS]
    context = {
        "user": auth.known_user(request),  # the header stays signed in (My settings, Log out)
        "node_name": settings.node_name,
        "domain": settings.domain,
        "status": status,
        "message": message,
        **extra,
    }
    html = aiohttp_jinja2.render_string("error.html", request, context)
    error = web.HTTPException(text=html, content_type="text/html")
    error.set_status(status)
    return error


async def _read_capped(request: web.Request, cap: int) -> bytes | None:
    """The whole body, or None once it is over `cap` (reads at most cap + 1 bytes)."""
    if request.content_length is not None and request.content_length > cap:
        return None
    body = bytearray()
    while len(body) <= cap:
        chunk = await request.content.read(cap + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return None if len(body) > cap else bytes(body)


def _unreadable(request: web.Request) -> web.HTTPException:
    return error_page(
        request,
        400,
        _("The form could not be read: the page sends it as UTF-8 text. Go back and try again."),
    )


def _parse_urlencoded(
    request: web.Request, body: bytes, max_fields: int = MAX_FIELDS
) -> MultiDict[str]:
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=max_fields,
        )
    except ValueError:  # bytes or %-escapes that are not UTF-8, or too many fields
        raise _unreadable(request) from None
    return MultiDict(pairs)


async def _parse_multipart(request: web.Request, max_fields: int = MAX_FIELDS) -> MultiDict[str]:
    try:
        form = await request.post()
    except (ValueError, LookupError, HttpProcessingError):
        # No boundary, a broken or truncated body, an unknown charset, bytes that are not
        # text: aiohttp's parser says ValueError (UnicodeError included), LookupError or a
        # malformed part header.
        raise error_page(
            request,
            400,
            _("The form could not be read: its multipart body is broken. Go back and try again."),
        ) from None
    fields: MultiDict[str] = MultiDict()
    for name, value in form.items():
        if not isinstance(value, str):
            raise error_page(request, 400, _("This form takes no files."))
        fields.add(name, value)
    if len(fields) > max_fields:
        raise _unreadable(request)
    if sum(len(v.encode()) for v in fields.values()) > request.app[SETTINGS].form_max_bytes:
        raise _too_large(request)  # sent without a length, in chunks
    return fields


def _too_large(request: web.Request) -> web.HTTPException:
    cap = request.app[SETTINGS].form_max_bytes
    return error_page(
        request,
        413,
        ngettext(
            "The form is too large (at most {n} byte).",
            "The form is too large (at most {n} bytes).",
            cap,
        ),
    )


async def read_form(request: web.Request, max_fields: int = MAX_FIELDS) -> MultiDictProxy[str]:
    """The fields of the form POSTed to `request`; raises a readable 400/413/415 page. A form
    with lists (the resource form) may allow more than `MAX_FIELDS` fields."""
    cap = request.app[SETTINGS].form_max_bytes
    kind = request.content_type
    if kind == MULTIPART:
        if request.content_length is not None and request.content_length > cap:
            raise _too_large(request)
        fields = await _parse_multipart(request, max_fields)
        return MultiDictProxy(_without_nul(request, fields))
    if kind != URLENCODED:
        raise error_page(
            request, 415, _("Send the form from the page: it is not a form this node reads.")
        )
    charset = (request.charset or "utf-8").lower()
    if charset not in UTF8_NAMES | ASCII_NAMES:
        raise _unreadable(request)
    body = await _read_capped(request, cap)
    if body is None:
        raise _too_large(request)
    return MultiDictProxy(_without_nul(request, _parse_urlencoded(request, body, max_fields)))


def _without_nul(request: web.Request, fields: MultiDict[str]) -> MultiDict[str]:
    """No text a person types holds a NUL character, and PostgreSQL cannot take one in a
    query (a 500 before this check): such a form is refused as unreadable."""
    if any("\x00" in key or "\x00" in value for key, value in fields.items()):
        raise _unreadable(request)
    return fields


def expired_message() -> str:
    """What a form refused by its CSRF check says (an old page, or another site's form)."""
    return _("The form expired or came from another site. Reload the page and send it again.")


async def read_checked_form(
    request: web.Request, max_fields: int = MAX_FIELDS
) -> MultiDictProxy[str]:
    """`read_form`, then the CSRF check every signed-in form makes: 403 with a page saying
    to reload when the token is missing or not this browser's."""
    form = await read_form(request, max_fields)
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        raise error_page(request, 403, expired_message())
    return form


def translation_rows(form: MultiDictProxy[str]) -> list[dict[str, str]]:
    """The translation rows of a form (language, title, description), as typed; a row left
    wholly empty is not one."""
    rows = []
    for n in range(1, TRANSLATION_ROWS + 1):
        row = {
            part: str(form.get(f"tr_{part}_{n}", ""))
            for part in ("language", "title", "description")
        }
        if any(value.strip() for value in row.values()):
            rows.append(row)
    return rows
