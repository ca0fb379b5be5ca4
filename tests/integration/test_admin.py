"""The admin area (/admin) on real nodes: roles on every route, invites, suspension, peer
policies (block, silence, blocklist import), the delivery ledger and forwarded reports."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import aiohttp
import httpx
import pytest
from sqlalchemy import func, select

from compagnon.operations import admin as ops
from compagnon.storage.models import Activity, Actor, Delivery, Invite, Peer, Report, utcnow
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.resources import publish_quiz
from tests.support.web import Browser, csrf_of

FIXTURES = Path(__file__).parent.parent / "fixtures"
JSON = {"Accept": "application/json"}
INVITE_LINK = re.compile(r'<output class="invite-link">([^<]+)</output>')


async def make_staff(node: Node, username: str, role: str) -> None:
    await node.create_user(username)
    async with node.sessions.begin() as session:
        user = await actor_queries.user_by_username(session, username)
        assert user is not None
        user.role = role


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


async def admin_browser(node: Node) -> Browser:
    await make_staff(node, "boss", "admin")
    browser = Browser(node)
    assert await browser.log_in("boss") == 303
    return browser


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


async def test_a_blocked_peer_s_activities_stop_arriving(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await a.follow("ana", f"bruno@{b.domain}")
    await settle(a, b)
    first = await b.post("bruno", "before the block")
    await settle(a, b)
    assert await a.object(first.uri) is not None

    async with await admin_browser(a) as boss:
        token = csrf_of(await boss.page("/admin/peers"))
        status, _, _ = await boss.post(
            "/admin/peers", {"csrf": token, "action": "policy", "host": b.domain, "policy": "block"}
        )
        assert status == 303
        assert "block" in await boss.page("/admin/peers")

    second = await b.post("bruno", "after the block")
    await b.run_once()
    await a.run_once()
    assert await a.activities_about(second.uri) == []  # nothing stored
    assert await a.object(second.uri) is None
    async with b.sessions() as session:
        statuses = (
            await session.scalars(
                select(Delivery.last_status).where(Delivery.object_uri == second.uri)
            )
        ).all()
    assert statuses and all(s in (401, 403) for s in statuses)


async def test_a_silenced_peer_s_resources_stay_out_of_search(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    quiz = await publish_quiz(a, "ana")
    await settle(a, b)

    async def found() -> list[str]:
        async with httpx.AsyncClient(base_url=b.base) as http:
            answer = await http.get("/search", params={"q": "licensing quiz"}, headers=JSON)
        return [r["id"] for r in answer.json()["results"]]

    assert await found() == [quiz.uri]
    async with await admin_browser(b) as boss:
        token = csrf_of(await boss.page("/admin/peers"))
        form = {"csrf": token, "action": "policy", "host": a.domain, "policy": "silence"}
        assert (await boss.post("/admin/peers", form))[0] == 303
    assert await found() == []
    # silenced, not blocked: what it sends is still accepted
    later = await a.post("ana", "still arriving")
    await settle(a, b)
    assert await b.object(later.uri) is not None


async def test_a_mastodon_blocklist_csv_is_imported_from_the_page(make_node: NodeFactory) -> None:
    node = await make_node("a")
    sample = (FIXTURES / "blocklist.csv").read_bytes()
    async with await admin_browser(node) as boss:
        token = csrf_of(await boss.page("/admin/peers"))
        form = aiohttp.FormData()
        form.add_field("csrf", token)
        form.add_field("csv", sample, filename="blocklist.csv", content_type="text/csv")
        status, body, _ = await boss.post("/admin/peers/import", form)
        assert status == 200
        assert "Imported. Domains blocked: 2; domains silenced: 1; lines skipped: 2." in body
    async with node.sessions() as session:
        rows = {p.host: p for p in (await session.scalars(select(Peer))).all()}
    assert rows["spam.example"].blocked and rows["harass.example"].blocked
    assert rows["noisy.example"].silenced and not rows["noisy.example"].blocked
    assert "quiet.example" not in rows  # noop
    assert rows["spam.example"].note == "Spam, lots of it"


async def test_the_ledger_shows_pending_then_delivered_and_resend_requeues(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    post = await a.post("ana", "to the ledger")
    async with await admin_browser(a) as boss:
        page = await boss.page(f"/admin/deliveries?object={post.uri}")
        assert "pending: 1" in page
        await a.run_once()
        page = await boss.page(f"/admin/deliveries?object={post.uri}")
        assert "delivered: 1" in page
        assert b.domain in await boss.page(f"/admin/deliveries?host={b.domain}")

        # A row given up is sent again from its Resend button.
        async with a.sessions.begin() as session:
            row = await session.scalar(select(Delivery).where(Delivery.object_uri == post.uri))
            assert row is not None
            row.state, row.finished_at = "gave_up", utcnow()
            row_id = row.id
        page = await boss.page(f"/admin/deliveries?object={post.uri}")
        assert "given up: 1" in page and "Resend" in page
        status, _, headers = await boss.post(
            "/admin/deliveries", {"csrf": csrf_of(page), "id": str(row_id), "back": "/x"}
        )
        assert (status, headers["Location"]) == (303, "/admin/deliveries")
        status, _, headers = await boss.post(
            "/admin/deliveries",
            {"csrf": csrf_of(page), "id": str(row_id), "back": "/admin/deliveries\r\nX: y"},
        )
        assert (status, headers["Location"]) == (303, "/admin/deliveries")
        assert "pending: 1" in await boss.page(f"/admin/deliveries?object={post.uri}")
        report = await a.run_once()
        assert report.delivered == 1
        assert "delivered: 1" in await boss.page(f"/admin/deliveries?object={post.uri}")


async def test_a_forwarded_report_reaches_the_origin_node_as_a_flag(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await a.follow("ana", f"bruno@{b.domain}")
    await settle(a, b)
    post = await b.post("bruno", "something reportable")
    await settle(a, b)
    bruno = await a.resolve(f"bruno@{b.domain}")
    ana = await a.actor("ana")
    async with a.sessions.begin() as session:  # what the trainer's report button stores
        session.add(
            Report(
                activity_uri=f"{a.base}/reports/1",
                reporter_id=ana.id,
                targets={"uris": [bruno.uri, post.uri]},
                comment="Not for a training centre",
            )
        )
    await make_staff(a, "mod", "moderator")
    async with Browser(a) as moderator:
        assert await moderator.log_in("mod") == 303
        page = await moderator.page("/admin/reports")
        assert "Not for a training centre" in page
        report_id = await a_report_id(a)
        status, _, _ = await moderator.post(
            "/admin/reports", {"csrf": csrf_of(page), "id": str(report_id), "action": "forward"}
        )
        assert status == 303
        await settle(a, b)
        assert "forwarded" in await moderator.page("/admin/reports")
        assert (
            "Not for a training centre" in (await moderator.page("/admin/reports")).split("Sent")[1]
        )
    async with b.sessions() as session:
        flags = (await session.scalars(select(Activity).where(Activity.type == "Flag"))).all()
        received = (await session.scalars(select(Report))).all()
    assert len(flags) == 1 and flags[0].actor_uri == f"{a.base}/actor"
    assert len(received) == 1 and set(received[0].targets["uris"]) == {bruno.uri, post.uri}


async def a_report_id(node: Node) -> int:
    async with node.sessions() as session:
        return int(await session.scalar(select(func.max(Report.id))) or 0)


async def test_removing_reported_content_and_suspending_a_remote_account(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await a.follow("ana", f"bruno@{b.domain}")
    await settle(a, b)
    post = await b.post("bruno", "remove me")
    other = await b.post("bruno", "another post of bruno")
    await settle(a, b)
    async with Browser(a) as ana_browser:
        assert await ana_browser.log_in("ana") == 303
        assert "another post of bruno" in await ana_browser.page("/home")
    bruno = await a.resolve(f"bruno@{b.domain}")
    ana = await a.actor("ana")
    async with a.sessions.begin() as session:
        session.add(
            Report(
                activity_uri=f"{a.base}/reports/2",
                reporter_id=ana.id,
                targets={"uris": [post.uri]},
                comment="",
            )
        )
    async with await admin_browser(a) as boss:
        page = await boss.page("/admin/reports")
        report_id = await a_report_id(a)
        for action in ("remove", "suspend"):
            status, _, _ = await boss.post(
                "/admin/reports", {"csrf": csrf_of(page), "id": str(report_id), "action": action}
            )
            assert status == 303
    stored = await a.object(post.uri)
    assert stored is not None and stored.deleted_at is not None
    async with a.sessions() as session:
        account = await session.get(Actor, bruno.id)
        report = await session.get(Report, report_id)
    assert account is not None and account.suspended_at is not None
    assert report is not None and report.resolved_at is not None and report.action == "suspend"
    assert await a.object(other.uri) is not None  # kept, but shown to nobody
    async with Browser(a) as ana_browser:
        assert await ana_browser.log_in("ana") == 303
        assert "another post of bruno" not in await ana_browser.page("/home")


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


def test_the_blocklist_reader_takes_mastodon_s_format() -> None:
    rows, skipped = ops.read_blocklist((FIXTURES / "blocklist.csv").read_text())
    assert rows == [
        ("spam.example", "block", "Spam, lots of it"),
        ("noisy.example", "silence", ""),
        ("harass.example", "block", ""),
    ]
    assert len(skipped) == 2  # an obfuscated domain, an unknown severity
    bare, none = ops.read_blocklist("a.example\nb.example\n")
    assert [r[:2] for r in bare] == [("a.example", "block"), ("b.example", "block")] and not none


@pytest.mark.parametrize("text", ["P7D", "PT12H", "P1DT6H", "pt30m"])
def test_invite_durations(text: str) -> None:
    assert ops.parse_duration(text) > timedelta(0)


@pytest.mark.parametrize("text", ["", "7", "P", "P100D", "PT0M", "1 week", "P7DX"])
def test_wrong_invite_durations_are_refused(text: str) -> None:
    with pytest.raises(ops.AdminError):
        ops.parse_duration(text)


async def test_allowlist_only_mode_federates_with_the_listed_peers_only(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await a.follow("ana", f"bruno@{b.domain}")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    async with await admin_browser(a) as boss:
        token = csrf_of(await boss.page("/admin/peers"))
        form = {"csrf": token, "action": "mode", "mode": "allowlist"}
        assert (await boss.post("/admin/peers", form))[0] == 303

        unlisted = await b.post("bruno", "from a peer not on the list")
        await b.run_once()
        await a.run_once()
        assert await a.activities_about(unlisted.uri) == []  # refused at the inbox
        assert await a.object(unlisted.uri) is None
        outgoing = await a.post("ana", "not for unlisted peers")
        async with a.sessions() as session:
            queued = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.object_uri == outgoing.uri)
            )
        assert queued == 0

        form = {"csrf": token, "action": "policy", "host": b.domain, "policy": "allow"}
        assert (await boss.post("/admin/peers", form))[0] == 303
        listed = await b.post("bruno", "now on the list")
        await settle(a, b)
        assert await a.object(listed.uri) is not None


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
