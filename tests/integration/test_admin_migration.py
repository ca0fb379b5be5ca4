"""Migration 0013 turns `users.is_admin` into `users.role`: admins stay admins."""

from __future__ import annotations

from sqlalchemy import text

from compagnon.storage.db import create_engine
from compagnon.storage.migrate import upgrade

ACTOR = (
    "INSERT INTO actors (id, uri, type, username, domain, is_local, name, summary, inbox, outbox,"
    " followers_url, following_url, url, manually_approves_followers, public_key_id,"
    " public_key_pem, created_at) VALUES (:id, :uri, 'Person', :name, 'n.example', true, '', '',"
    " '', '', '', '', '', false, '', '', '2026-01-01 00:00:00')"
)
USER = (
    "INSERT INTO users (username, actor_id, password_hash, is_admin, created_at)"
    " VALUES (:name, :id, 'x', :admin, '2026-01-01 00:00:00')"
)


async def test_admins_stay_admins_through_migration_0013(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, "0007")
        async with engine.begin() as connection:
            for number, name, admin in ((1, "boss", True), (2, "tom", False)):
                uri = f"https://n.example/users/{name}"
                await connection.execute(text(ACTOR), {"id": number, "uri": uri, "name": name})
                await connection.execute(text(USER), {"name": name, "id": number, "admin": admin})
        await upgrade(engine, "0013")
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT username, role FROM users ORDER BY id"))
            assert [tuple(r) for r in rows] == [("boss", "admin"), ("tom", "trainer")]
    finally:
        await engine.dispose()
