"""The admin area's reports (/admin/reports) on real nodes: a report forwarded to the origin
node as a Flag, and removing reported content and suspending a remote account."""

from __future__ import annotations

from sqlalchemy import func, select

from compagnon.storage.models import Activity, Actor, Report
from tests.conftest import NodeFactory
from tests.support.admin import admin_browser, make_staff
from tests.support.nodes import Node, settle
from tests.support.web import Browser, csrf_of


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
