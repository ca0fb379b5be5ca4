"""The hostile-input corpus (generator.py) against one real node: no answer is a 5xx, and a
refused request stores nothing (objects and activities are counted before and after each).

Each family runs as one test over its whole list, so the default profile stays fast; the
counts tried and the 5xx found are printed (`pytest -s`) for docs/reliability.md.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import func, select
from yarl import URL

from compagnon.federation.signing.signatures import load_private_key
from compagnon.operations import quiz as quiz_ops
from compagnon.server import auth
from compagnon.server.keys import SECRET
from compagnon.storage.models import Activity, Object, User
from tests.conftest import NodeFactory
from tests.hostile import form_cases, generator, get_cases, inbox_cases
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


async def counts(node: Node) -> tuple[int, int]:
    """Rows of objects and activities, in one statement."""
    objects = select(func.count()).select_from(Object).scalar_subquery()
    activities = select(func.count()).select_from(Activity).scalar_subquery()
    async with node.sessions() as session:
        row = (await session.execute(select(objects, activities))).one()
    return int(row[0]), int(row[1])


async def run(node: Node, cases: list[Case], label: str) -> Tally:
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
                await response.read()
            tally.tried += 1
            what = f"{case.name!r} {case.method} {case.path[:80]!r} -> {status}"
            if status >= 500:
                tally.server_errors += 1
                problems.append(what)
            elif status >= 400:
                tally.refused += 1
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
        social_form("/react", "uri", "kind", "undo"),
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
    settings_fields = ["display_name", "summary", "current_password", "new_password"]
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
                "language": text,
                "csrf": csrf,
            },
            member_token,
            member,
        ),
    ]
    cases = form_cases.form_cases(forms, random.Random(generator.SEED))
    tally = await run(node, cases, "forms")
    assert tally.tried >= 300


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
