"""Storage on SQLite and PostgreSQL: migrations agree with the models, the delivery queue
hands each due row to exactly one of several workers, the inbox's group commit stores what
arrives together once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from compagnon.federation.accounts import ensure_node_actors
from compagnon.federation.inbox.writer import InboxWriter
from compagnon.federation.urls import Urls
from compagnon.storage.db import create_engine, create_sessionmaker, is_sqlite
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Actor, Base, outside_models
from compagnon.storage.queries import activities, deliveries
from compagnon.storage.queries.search import unlisted_authors


async def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)

        def diff(connection: Any) -> list[Any]:
            # The full-text table (FTS5, and SQLite's shadow tables of it) and PostgreSQL's
            # tsvector column are raw DDL of migration 0005 that models cannot describe.
            def include(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
                table = getattr(getattr(obj, "table", None), "name", None)
                return not outside_models(name, type_, table)

            opts = {"compare_type": True, "include_object": include}
            context = MigrationContext.configure(connection, opts=opts)
            return list(compare_metadata(context, Base.metadata))

        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
        assert differences == []
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode(tmp_path: Any) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'wal.sqlite3'}")
    try:
        async with engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        assert mode == "wal"
    finally:
        await engine.dispose()


async def test_due_deliveries_go_to_exactly_one_worker(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    try:
        await upgrade(engine)
        urls = Urls("http://127.0.0.1:9")
        async with sessions.begin() as session:
            instance = await ensure_node_actors(session, urls, "Queue test")
            activity = await activities.add_local(
                session, urls.new_activity(), "Create", instance.uri, None, {"type": "Create"}
            )
            inboxes = [f"http://peer{n}.test/inbox" for n in range(60)]
            assert await deliveries.enqueue(session, activity.id, inboxes + inboxes, None) == 60

        async def claim(worker: str) -> list[int]:
            taken: list[int] = []
            for _ in range(10):
                async with sessions.begin() as session:
                    rows = await deliveries.claim_due(session, worker, 7, timedelta(minutes=5))
                taken.extend(r.id for r in rows)
            return taken

        results = await asyncio.gather(*(claim(f"w{n}") for n in range(3)))
        everything = [i for taken in results for i in taken]
        assert len(everything) == 60
        assert len(set(everything)) == 60
        async with sessions.begin() as session:
            assert await deliveries.release_claims(session, "w0") == len(results[0])
            again = await deliveries.claim_due(session, "w9", 100, timedelta(minutes=5))
        assert sorted(r.id for r in again) == sorted(results[0])
    finally:
        await engine.dispose()


async def test_inbox_group_commit_stores_each_activity_once(database_url: str) -> None:
    """Requests that arrive together share a commit; a duplicate id is stored once."""
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    writer = InboxWriter(sessions)
    try:
        await upgrade(engine)
        rows = [
            {
                "uri": f"https://peer{n % 3}.test/activities/{n % 5}",
                "type": "Create",
                "actor_uri": f"https://peer{n % 3}.test/users/a",
                "object_uri": None,
                "raw": {"id": f"https://peer{n % 3}.test/activities/{n % 5}", "type": "Create"},
                "host": f"peer{n % 3}.test",
            }
            for n in range(15)
        ]
        await asyncio.gather(*(writer.store(row) for row in rows))
        assert writer.batches == 1
        async with sessions() as session:
            stored = await session.execute(text("SELECT uri, state FROM activities"))
            found = sorted(stored.all())
        assert found == sorted({(row["uri"], "pending") for row in rows})
    finally:
        await writer.stop()
        await engine.dispose()


async def test_the_listings_leave_hidden_actors_out_through_their_partial_indexes(
    database_url: str,
) -> None:
    """The partial indexes of migration 0031 are written with the queries' own predicates:
    if one side changes alone, the planner can no longer use the index and every search,
    OAI page and statistics query reads every actor again (bench/README.md, "The million").
    Sequential scans are discouraged so that the plan says whether the index *can* apply
    (on a near-empty table PostgreSQL would scan anyway)."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        shown = select(Actor.id).where(Actor.id.not_in(unlisted_authors()))
        sql = str(shown.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))
        async with engine.connect() as connection:
            if is_sqlite(database_url):
                rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
            else:
                await connection.execute(text("SET LOCAL enable_seqscan = off"))
                rows = await connection.execute(text(f"EXPLAIN {sql}"))
            plan = "\n".join(str(row[-1]) for row in rows)
        assert "ix_actors_moderated" in plan and "ix_actors_opted_out" in plan, plan
    finally:
        await engine.dispose()
