"""Migration 0022 fills the consent columns of the remote actors already held from their
stored documents, so statistics and export (which now read the columns) still leave out
those who refused indexing before the columns existed."""

from __future__ import annotations

import json

from sqlalchemy import text

from compagnon.storage.db import create_engine
from compagnon.storage.migrate import upgrade

ACTOR = (
    "INSERT INTO actors (id, uri, type, username, domain, is_local, name, summary, inbox, outbox,"
    " followers_url, following_url, url, manually_approves_followers, public_key_id,"
    " public_key_pem, raw, created_at) VALUES (:id, :uri, 'Person', :name, 'n.example', false,"
    " '', '', '', '', '', '', '', false, '', '', :raw, '2026-01-01 00:00:00')"
)


async def test_consent_columns_filled_from_held_documents(database_url: str) -> None:
    engine = create_engine(database_url)
    documents = {
        "refuses": {"indexable": False},
        "hides": {"discoverable": False, "indexable": True},
        "silent": {},
        "says_yes": {"toot:indexable": True},
    }
    try:
        await upgrade(engine, "0016")
        async with engine.begin() as connection:
            for number, (name, raw) in enumerate(documents.items(), start=1):
                uri = f"https://n.example/users/{name}"
                await connection.execute(
                    text(ACTOR), {"id": number, "uri": uri, "name": name, "raw": json.dumps(raw)}
                )
        await upgrade(engine, "0022")
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT username, indexable, discoverable FROM actors ORDER BY id")
            )
            found = {name: (indexable, discoverable) for name, indexable, discoverable in rows}
    finally:
        await engine.dispose()
    assert found == {
        "refuses": (False, None),
        "hides": (True, False),
        "silent": (None, None),
        "says_yes": (True, None),
    }
