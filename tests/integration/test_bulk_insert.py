"""storage/bulk.py on both databases: a batch of rows in one statement keeps every value, and
a conflict leaves the held row as it was (another worker's). The full-text vector it computes
from a batch's inputs is read back by search in test_search_storage.py, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from compagnon.storage.bulk import insert_rows
from compagnon.storage.db import create_engine
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Actor, Object, Provenance

PROVENANCE = cast(Table, Provenance.__table__)
WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(
                Actor.__table__.insert(),
                [
                    {
                        "uri": "https://a.example/u/t",
                        "type": "Person",
                        "username": "t",
                        "domain": "a.example",
                    }
                ],
            )
            await connection.execute(
                Object.__table__.insert(),
                [
                    {
                        "uri": f"https://a.example/o/{n}",
                        "type": "Note",
                        "actor_id": 1,
                        "published": WHEN,
                    }
                    for n in range(5)
                ],
            )
        yield engine
    finally:
        await engine.dispose()


def seen(object_id: int, host: str, moment: datetime) -> dict[str, object]:
    return {
        "object_id": object_id,
        "origin_host": host,
        "route": "catalogue",
        "via": None,
        "first_seen": moment,
        "last_seen": moment,
    }


async def test_a_batch_keeps_every_value_and_a_conflict_keeps_the_held_row(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await insert_rows(connection, PROVENANCE, [seen(2, "held.example", WHEN)])
    later = WHEN + timedelta(hours=1)
    batch = [seen(n, f"h{n}.example", later) for n in (1, 2, 3, 4, 5)]
    async with engine.begin() as connection:
        await insert_rows(connection, PROVENANCE, batch, skip_conflicts_on=("object_id",))

    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    Provenance.object_id, Provenance.origin_host, Provenance.first_seen
                ).order_by(Provenance.object_id)
            )
        ).all()
    assert [(r[0], r[1]) for r in rows] == [
        (1, "h1.example"),
        (2, "held.example"),  # the held row, untouched
        (3, "h3.example"),
        (4, "h4.example"),
        (5, "h5.example"),
    ]
    assert [r[2] for r in rows] == [later, WHEN, later, later, later]  # UTC both ways


async def test_an_empty_batch_writes_nothing(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await insert_rows(connection, PROVENANCE, [])
        count = await connection.scalar(text("SELECT count(*) FROM provenance"))
    assert count == 0
