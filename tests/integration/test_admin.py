"""The admin area (/admin) on real nodes: roles on every route, invites, suspension, the
centre profile, and bad input in its forms. Peer policies and the ledger are
test_admin_peers.py's, reports test_admin_reports.py's."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from compagnon.operations import admin as ops
from compagnon.storage.models import Activity, Invite, Peer, utcnow
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.support.admin import admin_browser, make_staff
from tests.support.nodes import Node, settle
from tests.support.web import Browser, csrf_of

INVITE_LINK = re.compile(r'<output class="invite-link">([^<]+)</output>')


def admin_routes(node: Node) -> list[tuple[str, str]]:
    assert node.app is not None
    found = []
    for route in node.app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or ""
        if path.startswith("/admin") and route.method in ("GET", "POST"):
            found.append((route.method, path))
    return sorted(set(found))


async def test_every_admin_route_refuses_trainers_and_visitors(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("tom")
    await make_staff(node, "mod", "moderator")
    await make_staff(node, "boss", "admin")
    routes = admin_routes(node)
    assert len(routes) >= 13, routes
    async with Browser(node) as trainer, Browser(node) as visitor, Browser(node) as moderator:
        assert await trainer.log_in("tom") == 303
        assert await moderator.log_in("mod") == 303
        token = csrf_of(await trainer.page("/login"))
        form = {"csrf": token, "action": "policy", "host": "evil.example", "policy": "block"}
        for method, path in routes:
            for who, browser in (("trainer", trainer), ("visitor", visitor)):
                async with browser.http.request(
                    method, node.base + path, data=form, allow_redirects=False
                ) as answer:
                    if who == "trainer":
                        assert answer.status == 403, (who, method, path, answer.status)
                    else:
                        assert answer.status == 303, (who, method, path, answer.status)
                        assert answer.headers["Location"] == "/login"
            allowed = path in ("/admin", "/admin/reports")
            if method == "GET":
                async with moderator.http.get(node.base + path, allow_redirects=False) as answer:
                    assert answer.status == (200 if allowed else 403), (path, answer.status)
    async with node.sessions() as session:
        assert await session.get(Peer, "evil.example") is None  # nothing was done


async def test_an_invite_link_signs_up_once_and_not_after_expiry(
    make_node: NodeFactory, backend: str
) -> None:
    node = await make_node("a", backend=backend)
    async with await admin_browser(node) as boss, Browser(node) as newcomer:
        page = await boss.page("/admin/accounts")
        status, body, _ = await boss.post(
            "/admin/invites",
            {"csrf": csrf_of(page), "action": "create", "role": "trainer", "expires_in": "P7D"},
        )
        assert status == 200
        found = INVITE_LINK.search(body)
        assert found is not None
        path = found.group(1).removeprefix(node.base)

        form = csrf_of(await newcomer.page(path))
        fields = {
            "csrf": form,
            "username": "lea",
            "password": "a-long-pass",
            "password2": "a-long-pass",
        }
        status, _, headers = await newcomer.post(path, fields)
        assert (status, headers["Location"]) == (303, "/home")
        assert "lea" in await newcomer.page("/home")

        async with Browser(node) as second:
            async with second.http.get(node.base + path) as answer:
                assert answer.status == 410  # one use
            status, _, _ = await second.post(path, {**fields, "username": "other"})
            assert status in (403, 410)
        async with node.sessions() as session:
            user = await actor_queries.user_by_username(session, "lea")
            assert user is not None and user.role == "trainer"
            assert await actor_queries.user_by_username(session, "other") is None

        # An expired invite opens nothing.
        async with node.sessions.begin() as session:
            late = await ops.create_invite(session, "moderator", timedelta(minutes=1), "boss")
            row = await session.get(Invite, late.id)
            assert row is not None
            row.expires_at = utcnow() - timedelta(seconds=1)
        async with Browser(node) as third:
            async with third.http.get(f"{node.base}/invite/{late.token}") as answer:
                assert answer.status == 410
            listing = await boss.page("/admin/accounts")
            assert "expired" in listing and "used" in listing


@pytest.mark.parametrize("text", ["P7D", "PT12H", "P1DT6H", "pt30m"])
def test_invite_durations(text: str) -> None:
    assert ops.parse_duration(text) > timedelta(0)


@pytest.mark.parametrize("text", ["", "7", "P", "P100D", "PT0M", "1 week", "P7DX"])
def test_wrong_invite_durations_are_refused(text: str) -> None:
    with pytest.raises(ops.AdminError):
        ops.parse_duration(text)


async def test_a_refused_invite_keeps_what_the_admin_chose(make_node: NodeFactory) -> None:
    node = await make_node("a")
    async with await admin_browser(node) as boss:
        page = await boss.page("/admin/accounts")
        status, body, _ = await boss.post(
            "/admin/invites",
            {"csrf": csrf_of(page), "action": "create", "role": "moderator", "expires_in": "2w"},
        )
        assert status == 400 and "P7D" in body  # the message shows how to write it
        assert '<option value="moderator" selected>' in body
        assert 'name="expires_in" value="2w" required aria-invalid="true"' in body
    async with node.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Invite)) == 0


async def test_a_suspended_trainer_cannot_sign_in_and_their_posts_are_not_served(
    make_node: NodeFactory,
) -> None:
    node = await make_node("a")
    await node.create_user("tom")
    post = await node.post("tom", "hello")
    async with await admin_browser(node) as boss, Browser(node) as tom:
        assert await tom.log_in("tom") == 303
        token = csrf_of(await boss.page("/admin/accounts"))
        status, _, _ = await boss.post(
            "/admin/accounts", {"csrf": token, "action": "suspend", "username": "tom"}
        )
        assert status == 303
        async with tom.http.get(node.base + "/home", allow_redirects=False) as answer:
            assert answer.status == 303  # the open session ended
        async with Browser(node) as again:
            assert await again.log_in("tom") == 403
        async with httpx.AsyncClient() as http:
            assert (await http.get(post.uri)).status_code == 404
            profile = await http.get(f"{node.base}/@tom")
            assert "This account is suspended." in profile.text and "hello" not in profile.text
            outbox = await http.get(
                f"{node.base}/users/tom/outbox", headers={"Accept": "application/activity+json"}
            )
            assert outbox.json()["totalItems"] == 0

        token = csrf_of(await boss.page("/admin/accounts"))
        await boss.post(
            "/admin/accounts", {"csrf": token, "action": "unsuspend", "username": "tom"}
        )
        async with Browser(node) as back:
            assert await back.log_in("tom") == 303


async def test_the_centre_profile_is_shown_and_sent_to_followers(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await b.create_user("bruno")
    await b.follow("bruno", f"centre@{a.domain}")
    await settle(a, b)
    async with await admin_browser(a) as boss:
        token = csrf_of(await boss.page("/admin/centre"))
        form = {
            "csrf": token,
            "name": "CFP Lisboa",
            "country": "pt",
            "languages": "pt, en",
            "summary": "Vocational training since 1970",
        }
        assert (await boss.post("/admin/centre", form))[0] == 303
        wrong = {**form, "country": "Portugal"}
        status, body, _ = await boss.post("/admin/centre", wrong)
        assert status == 400 and "two-letter" in body
    async with httpx.AsyncClient() as http:
        page = (await http.get(f"{a.base}/users/centre")).text
        doc = (
            await http.get(
                f"{a.base}/users/centre", headers={"Accept": "application/activity+json"}
            )
        ).json()
    assert "CFP Lisboa" in page and "PT" in page and "Vocational training since 1970" in page
    assert doc["name"] == "CFP Lisboa" and doc["addressCountry"] == "PT"
    assert doc["schema:knowsLanguage"] == ["pt", "en"]
    await settle(a, b)
    async with b.sessions() as session:
        updates = (
            await session.scalars(
                select(Activity).where(Activity.type == "Update", Activity.actor_uri == doc["id"])
            )
        ).all()
        centre = await actor_queries.by_uri(session, doc["id"])
    assert len(updates) == 1
    assert centre is not None and centre.name == "CFP Lisboa"


async def test_a_nul_character_in_a_form_or_the_ledger_s_address_is_a_400(
    make_node: NodeFactory, backend: str
) -> None:
    """PostgreSQL takes no NUL in a query: it was a 500 there (the sign-in form's too)."""
    node = await make_node("a", backend=backend)
    async with await admin_browser(node) as boss:
        for path in ("/admin/deliveries?object=a%00b", "/admin/deliveries?host=a%00b"):
            async with boss.http.get(node.base + path) as answer:
                assert answer.status == 400
        token = csrf_of(await boss.page("/admin/accounts"))
        for path, form in [
            ("/admin/accounts", {"action": "role", "username": "a\x00", "role": "admin"}),
            ("/admin/deliveries", {"object": "x\x00"}),
            (
                "/admin/peers",
                {"action": "policy", "host": "a.b", "policy": "block", "note": "\x00"},
            ),
            ("/admin/centre", {"name": "x\x00", "country": "", "languages": "", "summary": ""}),
            ("/login", {"username": "x\x00", "password": "p"}),
        ]:
            status, body, _ = await boss.post(path, {**form, "csrf": token})
            assert status == 400, (path, status)
            assert "The form could not be read" in body
    async with node.sessions() as session:
        assert await session.get(Peer, "a.b") is None
