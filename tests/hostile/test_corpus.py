"""The hostile-input corpus (generator.py) against one real node: no answer is a 5xx, and a
refused request stores nothing (objects, activities, follows, reactions, notifications and
the API's apps, codes and tokens are counted before and after each); a refusal of the
Mastodon client API is its JSON `{"error": "..."}`.

Each family runs as one test over its whole list, so the default profile stays fast; the
counts tried and the 5xx found are printed (`pytest -s`) for docs/reliability.md.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from sqlalchemy import func, select
from yarl import URL

from compagnon.federation.signing.signatures import load_private_key
from compagnon.operations import quiz as quiz_ops
from compagnon.server import auth
from compagnon.server.keys import SECRET
from compagnon.storage.models import (
    Activity,
    ApiIdempotency,
    Follow,
    Notification,
    OAuthApp,
    OAuthCode,
    OAuthToken,
    Object,
    Reaction,
    User,
)
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries import notifications, oauth
from tests.conftest import NodeFactory
from tests.hostile import api_cases, form_cases, generator, get_cases, inbox_cases
from tests.hostile.api_cases import ApiTarget
from tests.hostile.form_cases import FormTarget
from tests.hostile.generator import Case, Sender, Target
from tests.hostile.kinds_forms import kinds_forms
from tests.support.nodes import Node

BROWSER_ID = "hostilecorpushostilecorpus012345"  # a CSRF cookie value of the right shape
# The sign-in limits would answer 429 to most of the corpus: raise them so the requests
# reach the code behind (the limits have tests of their own in tests/integration).
# The corpus sends hundreds of requests from one address and one host: the sign-in and
# per-host inbox limits (tested on their own) would answer most of them 429 before the
# parsers this corpus is for ever saw them.
NODE_SETTINGS = {
    "login_failures_per_account": 10**6,
    "login_failures_per_address": 10**6,
    "inbox_rate_per_host": 0,
}


@dataclass
class Tally:
    tried: int = 0
    server_errors: int = 0
    refused: int = 0


STORED = (
    Object,
    Activity,
    Follow,
    Reaction,
    Notification,
    OAuthApp,
    OAuthCode,
    OAuthToken,
    ApiIdempotency,
)
# (case, status, content type, body) -> what is wrong with the answer, or None
AnswerCheck = Callable[[Case, int, str, bytes], str | None]


async def counts(node: Node) -> tuple[int, ...]:
    """Rows of every table a refused request must leave alone, in one statement."""
    columns = [select(func.count()).select_from(t).scalar_subquery() for t in STORED]
    async with node.sessions() as session:
        row = (await session.execute(select(*columns))).one()
    return tuple(int(n) for n in row)


async def run(node: Node, cases: list[Case], label: str, check: AnswerCheck | None = None) -> Tally:
    """Send every case; a 5xx, or a refusal after which the counts moved, is a problem."""
    tally = Tally()
    problems: list[str] = []
    jar = aiohttp.DummyCookieJar()  # every case carries its own cookies, none are kept
    timeout = aiohttp.ClientTimeout(total=30)
    stored = await counts(node)
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout) as http:
        for case in cases:
            url = URL(node.base + case.path, encoded=True)
            # aiohttp's client warns about large bytes bodies; a file object it streams.
            data = io.BytesIO(case.body) if case.body and len(case.body) > 2**20 else case.body
            async with http.request(
                case.method, url, headers=case.headers, data=data, allow_redirects=False
            ) as response:
                status = response.status
                body = await response.read()
                kind = response.content_type
            tally.tried += 1
            what = f"{case.name!r} {case.method} {case.path[:80]!r} -> {status}"
            if status >= 500:
                tally.server_errors += 1
                problems.append(what)
            elif status >= 400:
                tally.refused += 1
            if check is not None and (wrong := check(case, status, kind, body)):
                problems.append(f"{what}: {wrong}")
            if case.method != "GET":  # a GET stores nothing whatever it gets
                now = await counts(node)
                if status >= 400 and now != stored:
                    problems.append(f"{what} but something was stored")
                stored = now
            if case.expect == "refused" and not 400 <= status < 500:
                problems.append(f"{what}, expected a refusal")
            if case.expect == "accepted" and status >= 400:
                problems.append(f"{what}, expected it accepted")
    print(f"\nhostile {label}: {tally.tried} tried, {tally.server_errors} 5xx,", end=" ")
    print(f"{tally.refused} refused")
    assert not problems, "\n".join(problems[:40])
    return tally


async def sender_and_target(make_node: NodeFactory) -> tuple[Node, Sender, Target]:
    node = await make_node("target", **NODE_SETTINGS)
    await node.create_user("maria")
    post = await node.post("maria", "A post for the corpus to point at")
    remote = await make_node("sender")
    bob = await remote.create_user("bob")
    assert bob.private_key_pem is not None
    sender = Sender(bob.uri, bob.public_key_id, load_private_key(bob.private_key_pem))
    async with node.sessions() as session:
        activity = await session.scalar(select(Activity.uri).where(Activity.object_uri == post.uri))
    target = Target(
        node.base,
        "maria",
        post.uri.removeprefix(node.base),
        str(activity).removeprefix(node.base),
    )
    return node, sender, target


async def test_inbox_corpus(make_node: NodeFactory) -> None:
    node, sender, target = await sender_and_target(make_node)
    cases = inbox_cases.inbox_cases(sender, target, random.Random(generator.SEED))
    tally = await run(node, cases, "inbox")
    assert tally.tried >= 500


def get_routes(node: Node) -> list[str]:
    """Every GET path template of the running app, from its router."""
    assert node.app is not None
    found = []
    for route in node.app.router.routes():
        if route.method != "GET":
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        if "formatter" in info:
            found.append(str(info["formatter"]))
        elif "path" in info:
            found.append(str(info["path"]))
        elif "prefix" in info:  # static files
            found.append(str(info["prefix"]) + "/{filename}")
    return sorted(set(found))


async def test_every_get_route_with_odd_query_strings(make_node: NodeFactory) -> None:
    node, _sender, target = await sender_and_target(make_node)
    routes = get_routes(node)
    assert "/users/{username}/outbox" in routes and "/search" in routes
    cases = get_cases.get_cases(routes, target, random.Random(generator.SEED))
    tally = await run(node, cases, f"GET ({len(routes)} routes)")
    assert tally.tried >= 500


async def test_every_form_with_bad_bodies(make_node: NodeFactory) -> None:
    node = await make_node("target", **NODE_SETTINGS)
    await node.create_user("maria")
    assert node.app is not None
    async with node.sessions() as session:
        user_id = int(await session.scalar(select(User.id)) or 0)
    signed_in = f"{auth.COOKIE}={auth.session_cookie(node.app[SECRET], user_id)}"
    browser = f"{auth.CSRF_COOKIE}={BROWSER_ID}"

    async def token(cookies: str, path: str) -> str:
        async with (
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
            http.get(node.base + path, headers={"Cookie": cookies}) as response,
        ):
            found = re.search(r'name="csrf" value="([^"]+)"', await response.text())
        assert found is not None
        return found.group(1)

    anonymous = browser
    member = f"{browser}; {signed_in}"
    question = (
        await quiz_ops.create(node.settings, "maria", question="Ready?", options=["Yes", "No"])
    )["uri"]
    visibilities = ["public", "unlisted", "followers", "direct", "everyone"]
    forms = [
        FormTarget(
            "/login",
            lambda text, csrf: {"username": text, "password": text, "csrf": csrf},
            await token(anonymous, "/login"),
            anonymous,
        ),
        FormTarget(
            "/compose",
            lambda text, csrf: {
                "content": text,
                "visibility": visibilities[len(text) % len(visibilities)],
                "csrf": csrf,
            },
            await token(member, "/home"),
            member,
        ),
        FormTarget(
            "/logout",
            lambda text, csrf: {"csrf": csrf, "x": text},
            await token(member, "/home"),
            member,
        ),
        FormTarget(
            "/questions/vote",
            lambda text, csrf: {
                "uri": question if len(text) % 2 else text,
                "option": text,
                "csrf": csrf,
            },
            await token(member, "/home"),
            member,
        ),
    ]
    forms += await admin_forms(node, browser, token)
    # The social forms (server/views/social.py): odd text in every field, a real post's
    # URI in half of them so the checks past "no such post" are reached too.
    post = await node.post("maria", "A post to act on")
    member_token = await token(member, "/home")

    def social_form(path: str, *names: str) -> FormTarget:
        def fields(text: str, csrf: str) -> dict[str, str]:
            values = {name: text for name in names}
            if "uri" in values and len(text) % 2:
                values["uri"] = post.uri
            return {**values, "csrf": csrf}

        return FormTarget(path, fields, member_token, member)

    forms += [
        social_form("/react", "uri", "kind", "undo", "next"),
        social_form("/reply", "uri", "content", "visibility"),
        social_form("/post/edit", "uri", "content"),
        social_form("/report", "uri", "comment", "forward"),
        social_form("/follow", "handle"),
        social_form("/unfollow", "actor"),
        social_form("/follow-requests", "actor", "answer"),
        social_form("/post/delete", "uri"),
        # the resource form (server/views/publish.py): odd text in every field, previewed
        # or published; the edit and delete forms with odd addresses
        social_form(
            "/resources/new",
            "action",
            "title",
            "description",
            "language",
            "url",
            "eqf",
            "isced",
            "type",
            "occupations",
            "audience",
            "teaches",
            "time_hours",
            "license",
            "keywords",
            "based_on",
            "visibility",
            "tr_lang",
            "tr_title",
            "file_sha256",
            "attachment",
        ),
        social_form("/resources/edit", "uri", "title", "license"),
        social_form("/resources/delete", "uri"),
    ]
    forms += await kinds_forms(node, "maria", member_token, member)  # modules, events
    # The language switcher (anyone) and "My settings" (server/views/settings.py), each of
    # its three forms in turn.
    actions = ["profile", "password", "language"]
    settings_fields = ["display_name", "summary", "current_password", "new_password", "listed"]
    forms += [
        FormTarget(
            "/language",
            lambda text, csrf: {
                "language": text if len(text) % 2 else "en",
                "next": text,
                "csrf": csrf,
            },
            await token(anonymous, "/login"),
            anonymous,
        ),
        FormTarget(
            "/settings",
            lambda text, csrf: {
                "action": actions[len(text) % 3],
                **{name: text for name in settings_fields},
                "new_password_again": text,
                "listed_box": "1" if len(text) % 2 else text,
                "language": text,
                "csrf": csrf,
            },
            member_token,
            member,
        ),
    ]
    forms += await oauth_forms(node, user_id, member_token, member)
    cases = form_cases.form_cases(forms, random.Random(generator.SEED))
    tally = await run(node, cases, "forms")
    assert tally.tried >= 300


async def oauth_forms(node: Node, user_id: int, csrf: str, cookies: str) -> list[FormTarget]:
    """The two browser forms of the client API: the consent page (server/api/oauth.py),
    odd text in every field and a real app's client id in half of them, and the Revoke
    button of /settings/apps."""
    async with node.sessions.begin() as session:
        app, _secret = await oauth.register_app(
            session, "Corpus", [api_cases.OOB, "https://app.example/cb"], "read write", None
        )
        await oauth.issue_token(session, app.id, user_id, "read")
    real = {
        "client_id": app.client_id,
        "redirect_uri": "https://app.example/cb",
        "scope": "read write",
        "response_type": "code",
        "code_challenge_method": "S256",
        "decision": "allow",
    }

    def consent(text: str, token: str) -> dict[str, str]:
        fields = {k: (v if len(text) % 2 else text) for k, v in real.items()}
        return {**fields, "state": text, "code_challenge": text, "csrf": token}

    return [
        FormTarget("/oauth/authorize", consent, csrf, cookies),
        FormTarget(
            "/settings/apps",
            lambda text, token: {"app": str(app.id) if len(text) % 3 == 0 else text, "csrf": token},
            csrf,
            cookies,
        ),
    ]


async def admin_forms(node: Node, browser: str, token: Any) -> list[FormTarget]:
    """The admin area's forms (server/views/admin.py), sent by a signed-in admin."""
    await node.create_user("boss")
    assert node.app is not None
    async with node.sessions.begin() as session:
        boss = await session.scalar(select(User).where(User.username == "boss"))
        assert boss is not None
        boss.role = "admin"
        boss_id = boss.id
    admin = f"{browser}; {auth.COOKIE}={auth.session_cookie(node.app[SECRET], boss_id)}"
    csrf = await token(admin, "/admin/accounts")
    return [
        FormTarget(path, fields, csrf, admin)
        for path, fields in [
            (
                "/admin/accounts",
                lambda t, c: {"csrf": c, "action": "role", "username": t, "role": t},
            ),
            (
                "/admin/invites",
                lambda t, c: {"csrf": c, "action": "create", "role": "trainer", "expires_in": t},
            ),
            (
                "/admin/peers",
                lambda t, c: {
                    "csrf": c,
                    "action": "policy",
                    "host": t,
                    "policy": "silence",
                    "note": t,
                },
            ),
            ("/admin/deliveries", lambda t, c: {"csrf": c, "id": t, "object": t, "back": t}),
            ("/admin/reports", lambda t, c: {"csrf": c, "id": t, "action": t}),
            ("/admin/statistics", lambda t, c: {"csrf": c, "action": t}),
            (
                "/admin/centre",
                lambda t, c: {"csrf": c, "name": t, "country": t, "languages": t, "summary": t},
            ),
            (
                "/invite/not-a-token",
                lambda t, c: {"csrf": c, "username": t, "password": t, "password2": t},
            ),
        ]
    ]


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
