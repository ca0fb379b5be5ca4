"""What one process changes, the others hear (storage/notify.py over PostgreSQL's
LISTEN/NOTIFY, sent by the triggers of migration 0020): a peer's policy, the federation mode,
an actor's key; nothing for a change that does not matter (a peer's last success)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update

from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Actor
from compagnon.storage.notify import ChangeListener
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import peers
from tests.support.databases import fresh_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="notifications are PostgreSQL's"
)


class Heard:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.arrived = asyncio.Event()

    def on(self, topic: str):  # type: ignore[no-untyped-def]
        async def callback(detail: str) -> None:
            self.items.append((topic, detail))
            self.arrived.set()

        return callback

    async def next(self) -> tuple[str, str]:
        await asyncio.wait_for(self.arrived.wait(), 5)
        self.arrived.clear()
        return self.items.pop(0)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database("postgresql", tmp_path) as url:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
        yield url


async def test_policy_and_key_changes_reach_a_listener(database: str) -> None:
    heard = Heard()
    listener = ChangeListener(database)
    listener.on("peers", heard.on("peers"))
    listener.on("actor-keys", heard.on("actor-keys"))
    stop = asyncio.Event()
    task = asyncio.create_task(listener.run(stop))
    engine = create_engine(database)
    sessions = create_sessionmaker(engine)
    try:
        await asyncio.wait_for(listener.listening.wait(), 10)

        async with sessions.begin() as session:
            await peers.record_successes(session, {"quiet.example": None})
            await peers.set_blocked(session, "spam.example", True, "test")
        assert await heard.next() == ("peers", "")  # the block; not the success
        assert heard.items == []

        async with sessions.begin() as session:
            await peers.set_allowlist_only(session, True)
        assert await heard.next() == ("peers", "")

        async with sessions.begin() as session:
            actor = await actor_queries.upsert_remote(
                session,
                {
                    "uri": "https://far.example/users/ana",
                    "type": "Person",
                    "username": "ana",
                    "domain": "far.example",
                    "inbox": "https://far.example/users/ana/inbox",
                    "public_key_id": "https://far.example/users/ana#main-key",
                    "public_key_pem": "old",
                },
            )
        async with sessions.begin() as session:
            await session.execute(
                update(Actor).where(Actor.id == actor.id).values(public_key_pem="rotated")
            )
        assert await heard.next() == ("actor-keys", "https://far.example/users/ana")
    finally:
        stop.set()
        await task
        await engine.dispose()
