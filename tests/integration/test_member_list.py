"""The member list: an aggregator publishes the centres it follows at /members; a node that
follows the list (member_list_url) allows their hosts, and a centre removed from the list stops
being allowed there (allowlist-only mode). Three nodes over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from compagnon.cli import main
from compagnon.federation.outbox import publish
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import utcnow
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import peers
from tests.conftest import NodeFactory
from tests.integration.test_admin import admin_browser
from tests.integration.test_centre_catalogue import cli_args
from tests.support.nodes import Node, settle
from tests.support.web import csrf_of

AP = "application/activity+json"


async def allowed(node: Node) -> set[str]:
    async with node.sessions() as session:
        return await peers.allowed_hosts(session)


async def test_a_member_list_keeps_the_allowed_peers_in_sync(
    make_node: NodeFactory, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = await make_node("a", backend=backend)
    b = await make_node("b", backend=backend, node_kind="aggregator")
    await b.create_user("national")
    await b.follow("national", f"centre@{a.domain}")
    await settle(a, b)

    async with httpx.AsyncClient(headers={"Accept": AP}) as http:
        doc = (await http.get(f"{b.base}/members")).json()
        assert (await http.get(f"{a.base}/members")).status_code == 404  # no aggregator
    assert doc["type"] == "Collection" and doc["id"] == f"{b.base}/members"
    assert [(i["id"], i["host"]) for i in doc["items"]] == [(f"{a.base}/users/centre", a.domain)]
    await asyncio.to_thread(main, ["members", "show", *cli_args(b)])
    assert capsys.readouterr().out == f"member\t{a.domain}\t{a.base}/users/centre\n"

    c = await make_node("c", backend=backend, member_list_url=f"{b.base}/members")
    async with c.sessions.begin() as session:
        await peers.set_allowlist_only(session, True)
        await peers.set_policy(session, "manual.example", "allow")  # the admin's own
    await c.run_once()  # the worker reads the list when due (never read: now)
    assert await allowed(c) == {a.domain, b.domain, "manual.example"}

    # The aggregator drops the centre: at the next reading it is no longer allowed on C.
    assert b.app is not None
    async with b.sessions.begin() as session:
        national = await actor_queries.local_by_username(session, "national")
        centre = await actor_queries.by_uri(session, f"{a.base}/users/centre")
        assert national is not None and centre is not None
        await publish.unfollow(session, b.app[FEDERATION].urls, national, centre)
    await c.run_once()  # not due yet: nothing changes
    assert a.domain in await allowed(c)
    await c.run_once(now=utcnow() + timedelta(hours=2))
    assert await allowed(c) == {b.domain, "manual.example"}

    # By hand, from the command line (the admin's peers page has the same button).
    await asyncio.to_thread(main, ["members", "refresh", *cli_args(c)])
    assert capsys.readouterr().out == "the member list names 1 hosts\n"

    # And from the admin's peers page.
    async with await admin_browser(c) as boss:
        page = await boss.page("/admin/peers")
        assert f"Allowed peers follow the member list at {b.base}/members." in page
        assert "It allows 1 host." in page
        status, _, headers = await boss.post(
            "/admin/peers", {"csrf": csrf_of(page), "action": "members"}
        )
        assert (status, headers["Location"]) == (303, "/admin/peers")
