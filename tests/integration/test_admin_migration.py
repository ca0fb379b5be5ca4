"""Migration 0013 turns `users.is_admin` into `users.role`: admins stay admins, and nothing
that points at a user is lost when SQLite copies the table to drop the column."""

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
OBJECT = (
    "INSERT INTO objects (id, uri, type, actor_id, is_local, visibility, content, summary, name,"
    " recipients, published) VALUES (1, 'https://n.example/objects/1', 'Note', 1, true,"
    " 'public', '<p>Hi</p>', '', '', '{}', '2026-01-01 00:00:00')"
)
ENTRY = (
    "INSERT INTO timeline_entries (user_id, object_id, created_at)"
    " VALUES (:user, 1, '2026-01-01 00:00:00')"
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
            await connection.execute(text(OBJECT))
            for user in (1, 2):  # the post in both home timelines
                await connection.execute(text(ENTRY), {"user": user})
        await upgrade(engine, "0013")
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT username, role FROM users ORDER BY id"))
            assert [tuple(r) for r in rows] == [("boss", "admin"), ("tom", "trainer")]
            entries = await connection.execute(
                text("SELECT user_id FROM timeline_entries ORDER BY user_id")
            )
            assert entries.scalars().all() == [1, 2]
        await upgrade(engine)  # and on to the newest
        async with engine.connect() as connection:
            entries = await connection.execute(text("SELECT count(*) FROM timeline_entries"))
            assert entries.scalar() == 2
            if connection.dialect.name == "sqlite":  # on again for the node once migrated
                assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()
