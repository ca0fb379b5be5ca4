"""The statistics counts are kept by ingest (issue 11, part 6): after a mix of publishing,
editing, deleting, a peer's resources arriving and going, a trainer withdrawing and giving
consent, a host silenced and a trainer suspended, the counts kept as it happened are those
`compagnon statistics rebuild` computes from scratch, and the page shows them. On SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest

from compagnon import operations
from compagnon.cli import main
from compagnon.federation.ingest import Incoming, store_remote_objects
from compagnon.federation.search_index import forget
from compagnon.operations import admin
from compagnon.operations.aggregate import set_indexable
from compagnon.storage.models import Object
from compagnon.storage.queries import peers, statistics_counts
from tests.conftest import NodeFactory
from tests.integration.test_admin import make_staff
from tests.support.nodes import Node
from tests.support.resources import QUIZ, WELDING, publish_resource
from tests.support.statistics import fill, remote_actor, resource
from tests.support.web import Browser, csrf_of

Snapshot = tuple[dict[tuple[str, str], int], dict[int, Any]]


async def kept_and_rebuilt(node: Node) -> tuple[Snapshot, Snapshot]:
    async with node.sessions.begin() as session:
        kept = await statistics_counts.snapshot(session)
        await statistics_counts.rebuild(session)
        rebuilt = await statistics_counts.snapshot(session)
        await session.rollback()  # leave the kept counts as ingest left them
    return kept, rebuilt


async def total(node: Node) -> int:
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{node.base}/statistics.json")
    assert answer.status_code == 200
    return int(answer.json()["total"])


async def test_counts_kept_by_ingest_equal_a_rebuild(
    make_node: NodeFactory, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    node = await make_node("a", backend=backend, country="ES")
    await fill(node)  # ours 2, Lisbon 2, Lyon (refusing) 1, spam (silenced) 1
    assert await total(node) == 4
    kept, rebuilt = await kept_and_rebuilt(node)
    assert kept == rebuilt

    # Ours: one more published, one edited (another EQF level), one deleted.
    extra = await publish_resource(node, "maria", replace(QUIZ, title="One more"))
    welding = await publish_resource(node, "maria", replace(WELDING, title="Welding II"))
    settings = node.settings
    await operations.edit_resource(
        settings, "maria", welding.uri, lambda r: replace(r, eqf_level=5, language="es")
    )
    await operations.delete_resource(settings, "maria", extra.uri)
    assert await total(node) == 5
    kept, rebuilt = await kept_and_rebuilt(node)
    assert kept == rebuilt
    assert kept[0][("eqf", "5")] >= 1

    # A peer's resources arrive, one is deleted by its author.
    rui = await remote_actor(node, "cfp-porto.example", "Person", "rui", {})
    async with node.sessions.begin() as session:
        stored = await store_remote_objects(
            session,
            [
                Incoming(
                    rui,
                    resource(
                        f"https://cfp-porto.example/objects/{n}",
                        f"Torno {n}",
                        eqf=4,
                        field="0715",
                        lang="pt",
                        kind="video",
                    ),
                )
                for n in range(3)
            ],
        )
        assert len(stored) == 3
        gone = await session.get(Object, stored[0].id)
        assert gone is not None
        await forget(session, [gone])
    assert await total(node) == 7

    # Maria withdraws her consent, then gives it again; Porto is silenced, then not.
    await set_indexable(settings, "maria", False)
    assert await total(node) == 4
    kept, rebuilt = await kept_and_rebuilt(node)
    assert kept == rebuilt
    await set_indexable(settings, "maria", True)
    async with node.sessions.begin() as session:
        await peers.set_policy(session, "cfp-porto.example", "silence")
    assert await total(node) == 5
    kept, rebuilt = await kept_and_rebuilt(node)
    assert kept == rebuilt
    async with node.sessions.begin() as session:
        await peers.set_policy(session, "cfp-porto.example", "none")
        await admin.set_suspended(session, "maria", True)
    assert await total(node) == 4
    kept, rebuilt = await kept_and_rebuilt(node)
    assert kept == rebuilt
    async with node.sessions.begin() as session:
        await admin.set_suspended(session, "maria", False)
    assert await total(node) == 7
    kept, rebuilt = await kept_and_rebuilt(node)
    assert kept == rebuilt

    # The command rebuilds and says how many it counts.
    await asyncio.to_thread(
        main,
        [
            *("statistics", "rebuild", "--database-url", settings.database_url),
            *("--domain", settings.domain, "--scheme", "http", "--config", "/nonexistent"),
        ],
    )
    assert "7 public resources counted" in capsys.readouterr().out
    assert await total(node) == 7

    # The same from the admin page, by an admin.
    await make_staff(node, "boss", "admin")
    async with Browser(node) as web:
        await web.log_in("boss")
        token = csrf_of(await web.page("/admin"))
        status, body, _ = await web.post("/admin/statistics", {"csrf": token})
    assert status == 200 and "7 resources are counted" in body
    kept, rebuilt = await kept_and_rebuilt(node)
    assert kept == rebuilt
