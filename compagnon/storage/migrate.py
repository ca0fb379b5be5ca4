"""Run Alembic migrations programmatically (used by `compagnon migrate`, `init` and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from compagnon.storage.db import hold_startup_lock

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision` on an existing async engine's connection."""

    def run(sync_connection: object) -> None:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one (batch mode), and a
            # DROP TABLE deletes its rows first, with their ON DELETE CASCADE: migration 0013
            # emptied every home timeline that way. Foreign keys stay off while migrating (the
            # pragma only takes outside a transaction), and on again for this pooled connection.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        try:
            async with connection.begin():
                await hold_startup_lock(connection)  # processes starting together migrate in turn
                await connection.run_sync(run)
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()


def head_revision() -> str | None:
    """The newest migration this code ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The migration the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    def read(sync_connection: object) -> str | None:
        return MigrationContext.configure(sync_connection).get_current_revision()  # type: ignore[arg-type]

    async with engine.connect() as connection:
        return await connection.run_sync(read)
