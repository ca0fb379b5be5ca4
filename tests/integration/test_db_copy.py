"""`compagnon db copy --to URL`: a node on SQLite moves to PostgreSQL keeping every row
(counted per table), its search still finds its resources, and new rows get fresh ids."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from compagnon.cli import main
from compagnon.domain.search_query import SearchFilters
from compagnon.storage.copy import copied_tables
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Object
from compagnon.storage.queries import search
from tests.support.databases import fresh_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs a PostgreSQL server"
)


def cli(args: list[str]) -> None:
    main(args)


async def test_a_sqlite_node_moves_to_postgresql_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = ["--config", str(tmp_path / "node.toml"), "--data-dir", str(tmp_path / "data")]
    await asyncio.to_thread(cli, ["init", *node])
    await asyncio.to_thread(cli, ["user", "create", "ana", *node])
    await asyncio.to_thread(cli, ["post", "ana", "Bonjour à tous les formateurs", *node])
    title = f"Soudure MIG {uuid.uuid4().hex[:6]}"
    await asyncio.to_thread(
        cli,
        [
            "resource",
            "ana",
            "--title",
            title,
            "--url",
            "https://x.org/mig",
            *node,
            "--license",
            "https://creativecommons.org/licenses/by/4.0/",
            "--eqf",
            "4",
        ],
    )
    capsys.readouterr()

    async with fresh_database("postgresql", tmp_path) as target:
        await asyncio.to_thread(cli, ["db", "copy", *node, "--to", target])
        out = capsys.readouterr().out
        assert "Every row copied" in out and "differs" not in out
        for table in ("actors", "objects", "users", "activities", "deliveries"):
            assert any(line.split()[:1] == [table] for line in out.splitlines()), table

        source = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'compagnon.sqlite3'}")
        engine = create_engine(target)
        try:
            for table in copied_tables():
                async with source.connect() as a, engine.connect() as b:
                    left = await a.scalar(select(func.count()).select_from(table))
                    right = await b.scalar(select(func.count()).select_from(table))
                assert left == right, table.name
            async with create_sessionmaker(engine)() as session:
                found = await search.search(session, SearchFilters(words=("soudure",)))
                assert [hit for hit in found.hits if title in str(hit)], found
                before = await session.scalar(select(func.max(Object.id)))
        finally:
            await source.dispose()
            await engine.dispose()

        # the node runs on PostgreSQL now: a new post gets an id after the copied ones
        on_pg = [*node, "--database-url", target]
        await asyncio.to_thread(cli, ["post", "ana", "Premier message sur PostgreSQL", *on_pg])
        engine = create_engine(target)
        try:
            async with create_sessionmaker(engine)() as session:
                after = await session.scalar(select(func.max(Object.id)))
        finally:
            await engine.dispose()
        assert after is not None and before is not None and after > before

        with pytest.raises(SystemExit, match="already holds data"):
            await asyncio.to_thread(cli, ["db", "copy", *node, "--to", target])
