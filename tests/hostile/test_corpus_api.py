"""The hostile corpus against every write route of the Mastodon client API (api_cases.py):
a refusal is its JSON `{"error": "..."}`; runner in corpus_runner.py."""

from __future__ import annotations

import random
from typing import Any

import orjson
from sqlalchemy import select

from compagnon.storage.models import User
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries import notifications, oauth
from tests.conftest import NodeFactory
from tests.hostile import api_cases, generator
from tests.hostile.api_cases import ApiTarget
from tests.hostile.corpus_runner import NODE_SETTINGS, run
from tests.hostile.generator import Case
from tests.support.nodes import Node

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The consent page's POST is a browser form (an HTML answer), sent by the form family.
BROWSER_FORMS = {"/oauth/authorize"}


def api_write_routes(node: Node) -> list[tuple[str, str]]:
    """(method, path template) of every write route of the client API, from the router."""
    assert node.app is not None
    found = set()
    for route in node.app.router.routes():
        if route.method not in WRITE_METHODS or route.resource is None:
            continue
        info = route.resource.get_info()
        path = str(info.get("formatter", info.get("path", "")))
        if path.startswith(("/api/", "/oauth/")) and path not in BROWSER_FORMS:
            found.add((route.method, path))
    return sorted(found)


def mastodon_error(case: Case, status: int, kind: str, body: bytes) -> str | None:
    """A refusal must be `{"error": "..."}` in JSON, as every Mastodon client reads it."""
    if status < 400:
        return None
    if kind != "application/json":
        return f"a {kind or 'bodiless'} answer, not JSON"
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "an answer that is not JSON"
    if not isinstance(data, dict) or not isinstance(data.get("error"), str) or not data["error"]:
        return f"not Mastodon's error form: {body[:80]!r}"
    return None


async def api_target(node: Node) -> ApiTarget:
    """A trainer with a status, a follow request and a notification; an app with tokens."""
    maria = await node.create_user("maria", manual=True)
    ana = await node.create_user("ana")
    post = await node.post("maria", "A post for the API corpus to point at")
    async with node.sessions.begin() as session:
        await follow_queries.upsert(session, ana.id, maria.id, f"{ana.uri}#follow", "pending")
        note = await notifications.notify(session, maria.id, "follow_request", ana)
        assert note is not None
        user_id = await session.scalar(select(User.id).where(User.actor_id == maria.id))
        app, secret = await oauth.register_app(
            session, "Corpus", [api_cases.OOB], "read write follow push", None
        )
        tokens = [
            (await oauth.issue_token(session, app.id, user_id, "read write follow push"))[1]
            for _ in range(30)
        ]
        _row, app_token = await oauth.issue_token(session, app.id, None, "read")
        _row, spare = await oauth.issue_token(session, app.id, user_id, "read")
    real: dict[str, Any] = {
        "status": "Hello from an app",
        "visibility": "public",
        "spoiler_text": "",
        "in_reply_to_id": str(post.id),
        "sensitive": "false",
        "language": "en",
        "client_name": "Odd app",
        "redirect_uris": api_cases.OOB,
        "scopes": "read write",
        "website": "https://example.org",
        "grant_type": "client_credentials",
        "client_id": app.client_id,
        "client_secret": secret,
        "scope": "read",
        "code": "not-a-code",
        "redirect_uri": api_cases.OOB,
        "code_verifier": "v" * 43,
        "token": spare,  # revoking it leaves the corpus's own tokens working
        "reblogs": "true",
        "notify": "false",
    }
    ids = {
        template: str(value)
        for template, value in [
            ("/api/v1/statuses/{id}", post.id),
            ("/api/v1/statuses/{id}/favourite", post.id),
            ("/api/v1/statuses/{id}/unfavourite", post.id),
            ("/api/v1/statuses/{id}/reblog", post.id),
            ("/api/v1/statuses/{id}/unreblog", post.id),
            ("/api/v1/accounts/{id}/follow", ana.id),
            ("/api/v1/accounts/{id}/unfollow", ana.id),
            ("/api/v1/follow_requests/{id}/authorize", ana.id),
            ("/api/v1/follow_requests/{id}/reject", ana.id),
            ("/api/v1/notifications/{id}/dismiss", note.id),
        ]
    }
    return ApiTarget(tokens, app_token, real, ids)


async def test_every_api_write_route_with_hostile_bodies(
    make_node: NodeFactory, backend: str
) -> None:
    node = await make_node("target", backend=backend, **NODE_SETTINGS)
    routes = api_write_routes(node)
    assert ("POST", "/api/v1/statuses") in routes and ("POST", "/oauth/token") in routes
    assert ("DELETE", "/api/v1/statuses/{id}") in routes
    target = await api_target(node)
    cases = api_cases.api_cases(routes, target, random.Random(generator.SEED))
    tally = await run(node, cases, f"API writes ({len(routes)} routes)", mastodon_error)
    assert tally.tried >= 1000
