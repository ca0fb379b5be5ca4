"""What every Mastodon API view shares: JSON answers, errors in Mastodon's form
(`{"error": "..."}`, never a page or a trace), the bearer token and its scopes, CORS for web
clients, and paging parameters (`max_id`, `since_id`, `min_id`, `limit`) with Link headers.

`api_view` wraps each view; the app's own middlewares stay untouched (they make HTML pages
of errors, which no app can read)."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDict

from compagnon.i18n import _
from compagnon.server.api import rate_limit
from compagnon.server.api import scopes as scope_rules
from compagnon.server.keys import SESSIONS, SETTINGS
from compagnon.server.params import whole_number
from compagnon.storage.models import Actor, OAuthToken, User, utcnow
from compagnon.storage.queries import oauth

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
    "Access-Control-Expose-Headers": "Link, X-RateLimit-Limit, X-RateLimit-Remaining, "
    "X-RateLimit-Reset",
    "Access-Control-Max-Age": "86400",
}


class ApiError(Exception):
    def __init__(self, status: int, message: str, description: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.description = description


def json_answer(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(data),
        status=status,
        content_type="application/json",
        headers={**CORS, **(headers or {})},
    )


def error_answer(status: int, message: str, description: str | None = None) -> web.Response:
    body: dict[str, str] = {"error": message}
    if description:
        body["error_description"] = description
    return json_answer(body, status)


def api_view(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            response = await handler(request)
        except ApiError as exc:
            response = error_answer(exc.status, exc.message, exc.description)
        except web.HTTPRedirection as exc:
            exc.headers.update(CORS)
            raise
        except web.HTTPException as exc:
            response = error_answer(exc.status, exc.reason if exc.status >= 400 else "")
        except ValueError as exc:  # an unreadable body or header
            # Its message is Python's ("'utf-8' codec can't ..."), not one for an app's user.
            log.info("API request refused on %s %s: %s", request.method, request.path, exc)
            response = error_answer(422, _("the request could not be read"))
        except Exception:
            incident = uuid.uuid4().hex[:12]
            log.exception("API error %s on %s %s", incident, request.method, request.path)
            return error_answer(500, _("internal error (incident {i})", i=incident))
        for name, value in CORS.items():
            response.headers.setdefault(name, value)
        response.headers.update(request.get(rate_limit.HEADERS, {}))
        return response

    return wrapped


@api_view
async def preflight(request: web.Request) -> web.StreamResponse:
    return web.Response(status=204, headers=CORS)


@api_view
async def not_found(request: web.Request) -> web.StreamResponse:
    """Mastodon's 404 for what is not here; an address with a trailing slash (Rails takes
    both, and Mastodon.py asks for `/api/v1/instance/`) goes to the one without (308 keeps
    the method and the body)."""
    if request.path.endswith("/") and request.path.rstrip("/"):
        raise web.HTTPPermanentRedirect(request.rel_url.with_path(request.path.rstrip("/")))
    raise ApiError(404, _("Record not found"))


# --- the body: apps send JSON, forms or multipart; query parameters count too -------------


async def params(request: web.Request) -> MultiDict[str]:
    """The request's parameters, body over query string, as text (arrays as `name[]`)."""
    merged: MultiDict[str] = MultiDict()
    for key, value in request.query.items():
        merged.add(key, clean(value))
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.can_read_body:
        if request.content_type == "application/json":
            try:
                data = orjson.loads(await request.read())
            except orjson.JSONDecodeError:
                raise ApiError(422, _("the body is not JSON")) from None
            if not isinstance(data, dict):
                raise ApiError(422, _("the body is not a JSON object"))
            for key, value in data.items():
                # One level of objects, as the form names them: {"poll": {"options": [...]}}
                # is poll[options][] (a status's poll, Mastodon.py sends it as JSON).
                inner = value.items() if isinstance(value, dict) else [(None, value)]
                for sub, item in inner:
                    name = key if sub is None else f"{key}[{sub}]"
                    for one in item if isinstance(item, list) else [item]:
                        if one is None or isinstance(one, dict | list):
                            continue
                        if isinstance(one, bool):
                            one = "true" if one else "false"
                        merged.add(f"{name}[]" if isinstance(item, list) else name, clean(str(one)))
        else:
            try:
                form = await request.post()
            except (ValueError, LookupError, HttpProcessingError):
                # An unknown charset, bytes that are not text, a broken multipart body or
                # part header: aiohttp's parser says ValueError, LookupError or its own.
                raise ApiError(422, _("the request could not be read")) from None
            for key, field in form.items():
                if isinstance(field, str):
                    merged.add(key, clean(field))
    return merged


def clean(text: str) -> str:
    """Text from outside without NUL (PostgreSQL refuses it in text columns and queries)."""
    return text.replace("\x00", "")


def query_text(request: web.Request, name: str, limit: int) -> str:
    return clean(request.query.get(name, "")).strip()[:limit]


def truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "on", "yes")


# --- the bearer token ---------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    token: OAuthToken
    user: User | None
    actor: Actor | None


async def caller(
    request: web.Request, needed: str | None = None, *, user: bool = True, token: str | None = None
) -> Caller:
    """The token of `Authorization: Bearer ...` (or `token`, where the streaming API found
    one): 401 when missing or unknown, 403 when its scopes do not cover `needed`, 422 when
    the endpoint needs a user and it is an app's."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        if not token:
            raise ApiError(401, _("The access token is invalid"))
        secret = token
    async with request.app[SESSIONS].begin() as session:
        row = await oauth.token_by_secret(session, secret.strip())
        if row is None:
            raise ApiError(401, _("The access token is invalid"))
        if not rate_limit.check(request, row.id):
            raise ApiError(429, _("Too many requests"))
        row.last_used_at = utcnow()
        who = await session.get(User, row.user_id) if row.user_id is not None else None
        actor = await session.get(Actor, who.actor_id) if who is not None else None
    if who is not None and (actor is None or actor.suspended_at is not None):
        raise ApiError(401, _("Your login is currently disabled"))
    if needed is not None and not scope_rules.covers(row.scopes, needed):
        raise ApiError(403, _("This action is outside the authorized scopes"))
    if user and who is None:
        raise ApiError(422, _("This method requires an authenticated user"))
    return Caller(row, who, actor)


async def maybe_caller(request: web.Request, needed: str) -> Caller | None:
    """The caller when a token is given (public endpoints read without one)."""
    if "Authorization" not in request.headers:
        return None
    return await caller(request, needed, user=False)


def me(who: Caller) -> tuple[User, Actor]:
    assert who.user is not None and who.actor is not None
    return who.user, who.actor


# --- paging -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int


def page_of(request: web.Request, default: int = 20, maximum: int = 40) -> Page:
    def number(name: str) -> int | None:
        text = request.query.get(name)
        if text is None or text == "":
            return None
        value = whole_number(text, 1)
        if value is None:
            raise ApiError(400, _("{name} must be a status id", name=name))
        return value

    limit_text = request.query.get("limit")
    limit = default
    if limit_text:
        given = whole_number(limit_text, 1)
        if given is None:
            raise ApiError(400, _("limit must be a whole number"))
        limit = min(given, maximum)
    return Page(number("max_id"), number("since_id"), number("min_id"), limit)


# What a next or previous page keeps of the query (the rest, and anything long, is dropped:
# an odd query string must not make a header no client reads).
KEPT_IN_LINKS = {
    "limit",
    "local",
    "remote",
    "only_media",
    "exclude_replies",
    "exclude_reblogs",
    "types[]",
    "exclude_types[]",
}


def link_header(request: web.Request, ids: list[int]) -> dict[str, str]:
    """`Link: <...max_id=oldest>; rel="next", <...min_id=newest>; rel="prev"` for a page."""
    if not ids:
        return {}
    base = request.app[SETTINGS].base_url + request.path
    kept = [(k, v) for k, v in request.query.items() if k in KEPT_IN_LINKS and len(v) <= 40]
    older = urlencode([*kept, ("max_id", str(min(ids)))])
    newer = urlencode([*kept, ("min_id", str(max(ids)))])
    return {"Link": f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'}
