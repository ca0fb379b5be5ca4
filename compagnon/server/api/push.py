"""Web Push subscriptions of phone apps (Mastodon's `/api/v1/push/subscription`, scope
`push`): one per access token, made (POST), read (GET), changed (PUT: alerts and policy)
and ended (DELETE); revoking the token ends it too (storage/queries/oauth.py). What is
pushed, and how, is compagnon/push/.

Everything an app sends is checked before it is kept: the endpoint is an https address (http
only where the node federates on loopback, `allow_private_addresses`: tests), the keys
decode to a P-256 point and 16 bytes, the policy is one of Mastodon's; every refusal is a
422 `{"error": …}`."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web
from multidict import MultiDict

from compagnon.domain.safe_urls import http_url
from compagnon.i18n import _
from compagnon.push import keys, tokens, vapid
from compagnon.server.api.base import (
    ApiError,
    Caller,
    api_view,
    caller,
    clean,
    json_answer,
    params,
    truthy,
)
from compagnon.server.keys import SECRET, SESSIONS, SETTINGS
from compagnon.storage.models import PushSubscription
from compagnon.storage.queries import push as push_queries

MAX_FIELDS = 64  # an app sends about fifteen
MAX_DEPTH = 4  # data[alerts][mention] is three


def entity(row: PushSubscription, key: vapid.VapidKey) -> dict[str, Any]:
    """Mastodon's WebPushSubscription."""
    wanted = set(row.alerts.split())
    return {
        "id": str(row.id),
        "endpoint": row.endpoint,
        "standard": row.standard,
        "alerts": {name: name in wanted for name in push_queries.ALERTS},
        "policy": row.policy,
        "server_key": key.server_key,
    }


async def _fields(request: web.Request) -> MultiDict[str]:
    """The parameters by their form names (`subscription[keys][auth]`), from a form, the
    query string, or a JSON body nested as deep as Mastodon's (which base.params flattens
    one level only)."""
    if request.content_type != "application/json" or not request.can_read_body:
        return await params(request)
    try:
        data = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        raise ApiError(422, _("the body is not JSON")) from None
    if not isinstance(data, dict):
        raise ApiError(422, _("the body is not a JSON object"))
    found: MultiDict[str] = MultiDict()

    def walk(value: Any, name: str, depth: int) -> None:
        if len(found) >= MAX_FIELDS or depth > MAX_DEPTH:
            raise ApiError(422, _("the request has too many fields"))
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{name}[{key}]" if name else str(key), depth + 1)
        elif isinstance(value, bool):
            found.add(name, "true" if value else "false")
        elif isinstance(value, str | int | float):
            found.add(name, clean(str(value)))

    walk(data, "", 0)
    return found


def _endpoint(text: str, allow_http: bool) -> str:
    url = http_url(text.strip())
    if url is None or not (url.startswith("https://") or allow_http):
        raise ApiError(422, _("Validation failed: the endpoint must be an https address"))
    return url


def _keys(fields: MultiDict[str]) -> tuple[str, str]:
    try:
        p256dh = keys.read_p256dh(fields.get("subscription[keys][p256dh]", ""))
    except ValueError:
        raise ApiError(
            422, _("Validation failed: the p256dh key must be a P-256 public key in base64")
        ) from None
    try:
        auth = keys.read_auth(fields.get("subscription[keys][auth]", ""))
    except ValueError:
        raise ApiError(
            422, _("Validation failed: the auth secret must be 16 bytes in base64")
        ) from None
    return keys.b64url(p256dh), keys.b64url(auth)


def _alerts(fields: MultiDict[str], before: str = "") -> str:
    """The alerts asked for; those not named keep `before` (none, for a new one)."""
    wanted = set(before.split())
    for name in push_queries.ALERTS:
        given = fields.get(f"data[alerts][{name}]")
        if given is not None:
            (wanted.add if truthy(given) else wanted.discard)(name)
    return " ".join(n for n in push_queries.ALERTS if n in wanted)


def _policy(fields: MultiDict[str], before: str = "all") -> str:
    # Mastodon reads `data[policy]`; Mastodon.py sends `policy`.
    given = fields.get("data[policy]", fields.get("policy"))
    if given is None or given == "":
        return before
    if given not in push_queries.POLICIES:
        raise ApiError(
            422, _("Validation failed: the policy must be all, followed, follower or none")
        )
    return given


def _secret(request: web.Request) -> str:
    return request.headers.get("Authorization", "").partition(" ")[2].strip()


async def _answer(request: web.Request, row: PushSubscription) -> web.Response:
    async with request.app[SESSIONS].begin() as session:
        key = await vapid.node_key(session)
    return json_answer(entity(row, key))


async def _mine(request: web.Request) -> tuple[Caller, PushSubscription | None]:
    who = await caller(request, "push")
    async with request.app[SESSIONS]() as session:
        row = await push_queries.for_token(session, who.token.id)
    return who, row


@api_view
async def create(request: web.Request) -> web.StreamResponse:
    who = await caller(request, "push")
    assert who.user is not None
    fields = await _fields(request)
    endpoint = _endpoint(
        fields.get("subscription[endpoint]", ""), request.app[SETTINGS].allow_private_addresses
    )
    p256dh, auth = _keys(fields)
    row = PushSubscription(
        token_id=who.token.id,
        user_id=who.user.id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        standard=truthy(fields.get("subscription[standard]")),
        alerts=_alerts(fields),
        policy=_policy(fields),
        sealed_token=tokens.seal(_secret(request), request.app[SECRET]),
    )
    async with request.app[SESSIONS].begin() as session:
        await push_queries.subscribe(session, row)
    return await _answer(request, row)


@api_view
async def get(request: web.Request) -> web.StreamResponse:
    _who, row = await _mine(request)
    if row is None:
        raise ApiError(404, _("Record not found"))
    return await _answer(request, row)


@api_view
async def update(request: web.Request) -> web.StreamResponse:
    who = await caller(request, "push")
    fields = await _fields(request)
    async with request.app[SESSIONS].begin() as session:
        row = await push_queries.for_token(session, who.token.id)
        if row is None:
            raise ApiError(404, _("Record not found"))
        row.alerts = _alerts(fields, row.alerts)
        row.policy = _policy(fields, row.policy)
    return await _answer(request, row)


@api_view
async def remove(request: web.Request) -> web.StreamResponse:
    who = await caller(request, "push")
    async with request.app[SESSIONS].begin() as session:
        await push_queries.unsubscribe(session, who.token.id)
    return json_answer({})
