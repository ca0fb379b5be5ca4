"""storage/json_sql.py and the outbox page's query on both databases: the database hands back a
stored document without the top-level keys asked, everything else as it was (nested keys of the
same name, text in any script, numbers), and the page's rows carry what the view needs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.json_sql import json_without
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Activity, Actor, Object
from compagnon.storage.queries.activities import outbox_page

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTOR = "https://a.example/users/t"
WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def create(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", {"amb": "https://w3id.org/amb#"}],
        "id": f"https://a.example/activities/{n}",
        "type": "Create",
        "actor": ACTOR,
        "to": [PUBLIC],
        "cc": [f"{ACTOR}/followers"],
        "object": {
            "id": f"https://a.example/objects/{n}",
            "type": "Note",
            "content": '<p>Schweißen, σκυρόδεμα, لحام, 溶接 🔧 "quoted" \\ back</p>',
            "proof": {"nested": "stays"},  # only the top level is left out
            "@context": "nested stays too",
            "rating": 4.5,
            "count": 12,
        },
        "proof": {"@context": ["copy"], "type": "DataIntegrityProof", "proofValue": "z3x"},
        **extra,
    }


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


async def store(engine: AsyncEngine, docs: list[dict[str, Any]]) -> None:
    async with create_sessionmaker(engine).begin() as session:
        author = Actor(uri=ACTOR, type="Person", username="t", domain="a.example", is_local=True)
        session.add(author)
        await session.flush()
        for doc in docs:
            session.add(
                Object(uri=doc["object"]["id"], type="Note", actor_id=author.id, published=WHEN)
            )
            session.add(
                Activity(
                    uri=doc["id"],
                    type="Create",
                    actor_uri=ACTOR,
                    object_uri=doc["object"]["id"],
                    raw=doc,
                    is_local=True,
                    state="done",
                )
            )


async def test_the_database_leaves_out_top_level_keys_only(engine: AsyncEngine) -> None:
    docs = [create(1), create(2, signature={"type": "RsaSignature2017"})]
    del docs[0]["proof"]  # a key asked for and absent is no error
    await store(engine, docs)
    async with create_sessionmaker(engine)() as session:
        texts = (
            await session.scalars(
                select(json_without(Activity.raw, "@context", "proof", "signature")).order_by(
                    Activity.id
                )
            )
        ).all()
    for doc, served in zip(docs, texts, strict=True):
        expected = {k: v for k, v in doc.items() if k not in {"@context", "proof", "signature"}}
        assert orjson.loads(served) == expected


async def test_other_keys_are_another_statement(engine: AsyncEngine) -> None:
    """Same shape, other keys: a compiled statement cached for the first must not serve the
    second (SQLAlchemy caches statements by their structure)."""
    await store(engine, [create(1)])
    async with create_sessionmaker(engine)() as session:
        for key in ("cc", "to", "type"):
            text = await session.scalar(select(json_without(Activity.raw, key)))
            assert text is not None
            assert key not in orjson.loads(text) and len(orjson.loads(text)) == 7


async def test_outbox_page_rows_hold_the_item_and_its_audience(engine: AsyncEngine) -> None:
    docs = [create(n) for n in range(5)]
    await store(engine, docs)
    async with create_sessionmaker(engine)() as session:
        first = await outbox_page(session, ACTOR, 3, None, ("@context", "proof"))
        rest = await outbox_page(session, ACTOR, 3, first[-1].id, ("@context", "proof"))
    served = [orjson.loads(row.item) for row in first + rest]
    assert [item["id"] for item in served] == [d["id"] for d in reversed(docs)]  # newest first
    assert all("@context" not in item and "proof" not in item for item in served)
    assert served[0]["object"] == docs[-1]["object"]
    assert first[0].to == [PUBLIC] and first[0].cc == [f"{ACTOR}/followers"]
