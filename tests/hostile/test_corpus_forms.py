"""The hostile corpus against every browser form (the pages', the admin area's, the
OAuth consent page's) with bad bodies (form_cases.py), on SQLite and PostgreSQL; runner in
corpus_runner.py."""

from __future__ import annotations

import random
import re
from typing import Any

import aiohttp
from sqlalchemy import select

from compagnon.operations import quiz as quiz_ops
from compagnon.server import auth
from compagnon.server.keys import SECRET
from compagnon.storage.models import User
from compagnon.storage.queries import oauth
from tests.conftest import NodeFactory
from tests.hostile import api_cases, form_cases, generator
from tests.hostile.corpus_runner import NODE_SETTINGS, run
from tests.hostile.form_cases import FormTarget
from tests.hostile.kinds_forms import kinds_forms
from tests.support.nodes import Node

BROWSER_ID = "hostilecorpushostilecorpus012345"  # a CSRF cookie value of the right shape


async def test_every_form_with_bad_bodies(make_node: NodeFactory, backend: str) -> None:
    # On both databases: a NUL in a form once answered 500 on PostgreSQL alone.
    node = await make_node("target", backend=backend, **NODE_SETTINGS)
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
        social_form("/follow/notify", "actor", "notify"),
        social_form("/follow/shares", "actor", "hide"),
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
