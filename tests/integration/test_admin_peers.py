"""The admin area's peers (/admin/peers, /admin/deliveries) on real nodes: block, silence,
the Mastodon blocklist CSV, allowlist-only mode, and the delivery ledger."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import httpx
from sqlalchemy import func, select

from compagnon.operations import admin as ops
from compagnon.storage.models import Delivery, Peer, utcnow
from tests.conftest import NodeFactory
from tests.support.admin import admin_browser
from tests.support.nodes import settle
from tests.support.resources import publish_quiz
from tests.support.web import csrf_of

FIXTURES = Path(__file__).parent.parent / "fixtures"
JSON = {"Accept": "application/json"}


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
