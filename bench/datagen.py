"""Synthetic data for the timeline scenario: remote actors, local users who follow some of
them, N objects and the home-timeline entries the worker would have materialised for them;
and the bulk-load helpers datagen_resources.py (the search scenario's learning resources) and
datagen_catalogue.py (a centre's catalogue, for the sync scenario) share.

The schema is the node's own (its Alembic migrations run first); rows are bulk-loaded with
the drivers' fastest paths (sqlite3 executemany, PostgreSQL COPY) with the secondary
indexes dropped during the load and re-created from their saved DDL, so 1M objects load in
about a minute instead of the ~10 minutes ORM inserts would take. Reproducible: seeded.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
REMOTE_ACTORS = 2000
FOLLOWS_PER_USER = 200  # so each object lands in ~1 home timeline on average
DELETED_SHARE = 0.01  # tombstones the timeline query must skip
CHUNK = 50_000
START = datetime(2025, 1, 1)
BIG_TABLES = ("objects", "timeline_entries")

ACTOR_COLUMNS = (
    "id",
    "uri",
    "type",
    "username",
    "domain",
    "is_local",
    "name",
    "summary",
    "inbox",
    "outbox",
    "shared_inbox",
    "followers_url",
    "following_url",
    "url",
    "manually_approves_followers",
    "public_key_id",
    "public_key_pem",
    "created_at",
)
FOLLOW_COLUMNS = ("follower_id", "followee_id", "activity_uri", "state", "created_at")
OBJECT_COLUMNS = (
    "id",
    "uri",
    "type",
    "actor_id",
    "is_local",
    "visibility",
    "content",
    "summary",
    "name",
    "language",
    "url",
    "recipients",
    "raw",
    "published",
    "deleted_at",
)
ENTRY_COLUMNS = ("user_id", "object_id", "created_at")


@dataclass
class Dataset:
    """What to generate; `users` are (user_id, actor_id) of local accounts already created."""

    objects: int
    users: list[tuple[int, int]]
    first_actor_id: int
    seed: int = 7
    follows: dict[int, list[int]] = field(default_factory=dict)  # user_id -> remote actor ids

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        remote = range(self.first_actor_id, self.first_actor_id + REMOTE_ACTORS)
        self.follows = {user: rng.sample(remote, FOLLOWS_PER_USER) for user, _ in self.users}

    def actors(self) -> Iterator[tuple[Any, ...]]:
        for i in range(REMOTE_ACTORS):
            host = f"centre{i % 400}.example"
            uri = f"https://{host}/users/trainer{i}"
            yield (
                self.first_actor_id + i,
                uri,
                "Person",
                f"trainer{i}",
                host,
                False,
                f"Trainer {i}",
                "",
                f"{uri}/inbox",
                f"{uri}/outbox",
                f"https://{host}/inbox",
                f"{uri}/followers",
                f"{uri}/following",
                uri,
                False,
                f"{uri}#main-key",
                "",
                START,
            )

    def follow_rows(self) -> Iterator[tuple[Any, ...]]:
        actor_of = dict(self.users)
        for user, followed in self.follows.items():
            for actor in followed:
                yield (
                    actor_of[user],
                    actor,
                    f"https://bench.example/follows/{user}/{actor}",
                    "accepted",
                    START,
                )

    def objects_and_entries(self) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        """(object row, its timeline entry rows), in publication order."""
        rng = random.Random(self.seed + 1)
        readers: dict[int, list[int]] = {}
        for user, followed in self.follows.items():
            for actor in followed:
                readers.setdefault(actor, []).append(user)
        recipients = json.dumps({"to": [AS_PUBLIC], "cc": []})
        for i in range(1, self.objects + 1):
            actor = self.first_actor_id + rng.randrange(REMOTE_ACTORS)
            published = START + timedelta(seconds=30 * i)
            deleted = published if rng.random() < DELETED_SHARE else None
            uri = f"https://centre{(actor - self.first_actor_id) % 400}.example/objects/{i}"
            content = (
                ""
                if deleted
                else (
                    f"<p>Resource {i}: worksheet on {rng.choice(TOPICS)} for EQF level "
                    f"{rng.randrange(2, 6)}, with a checklist and two exercises.</p>"
                )
            )
            # The handler keeps the remote document in `raw` (~1 KB): the ORM loads it too.
            raw = None if deleted else _raw_note(uri, actor, content, published)
            row = (
                i,
                uri,
                "Note",
                actor,
                False,
                "public",
                content,
                "",
                "",
                "en",
                uri,
                recipients,
                raw,
                published,
                deleted,
            )
            yield row, [(user, i, published) for user in readers.get(actor, ())]


def _raw_note(uri: str, actor: int, content: str, published: datetime) -> str:
    author = f"https://centre{actor % 400}.example/users/trainer{actor}"
    return orjson.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": uri,
            "type": "Note",
            "attributedTo": author,
            "content": content + NOTE_TAIL,
            "url": uri,
            "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "to": [AS_PUBLIC],
            "cc": [f"{author}/followers"],
            "tag": [{"type": "Hashtag", "name": "#vet", "href": "https://example.org/tags/vet"}],
            "contentMap": {"en": content},
            "sensitive": False,
            "attachment": [],
        }
    ).decode()


# What a real post's HTML carries besides its sentence: a link and hashtags (~400 B).
NOTE_TAIL = (
    '<p><a href="https://example.org/oer/worksheet" rel="nofollow noopener">'
    "example.org/oer/worksheet</a></p>"
    '<p><a href="https://example.org/tags/vet" class="mention hashtag" rel="tag">#<span>vet'
    '</span></a> <a href="https://example.org/tags/eqf" class="mention hashtag" rel="tag">'
    "#<span>eqf</span></a></p>"
)

TOPICS = (
    "welding",
    "bricklaying",
    "hairdressing",
    "bakery",
    "electrical installation",
    "plumbing",
    "carpentry",
    "automotive diagnostics",
    "elderly care",
    "logistics",
)


def chunks(
    rows: Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]],
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    objects: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    for row, its_entries in rows:
        objects.append(row)
        entries.extend(its_entries)
        if len(objects) >= CHUNK:
            yield objects, entries
            objects, entries = [], []
    if objects:
        yield objects, entries


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    # The storage format SQLAlchemy's SQLite DateTime reads back; booleans as 0/1.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def sqlite_rows(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(_sqlite_value(v) for v in row) for row in rows]


def insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def load_sqlite(path: str, data: Dataset) -> None:
    """Blocking; run it in a thread."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")  # a bulk load that can be redone, not user data
        saved = [
            sql
            for (sql,) in db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN {BIG_TABLES}"
            )
        ]
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN {BIG_TABLES}"
        ).fetchall():
            db.execute(f"DROP INDEX {name}")
        db.execute("BEGIN")
        db.executemany(insert_sql("actors", ACTOR_COLUMNS), sqlite_rows(list(data.actors())))
        db.executemany(insert_sql("follows", FOLLOW_COLUMNS), sqlite_rows(list(data.follow_rows())))
        for objects, entries in chunks(data.objects_and_entries()):
            db.executemany(insert_sql("objects", OBJECT_COLUMNS), sqlite_rows(objects))
            db.executemany(insert_sql("timeline_entries", ENTRY_COLUMNS), sqlite_rows(entries))
        db.execute("COMMIT")
        for sql in saved:
            db.execute(sql)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


# --- PostgreSQL ----------------------------------------------------------------------------


async def load_postgresql(dsn: str, data: Dataset) -> None:
    db = await asyncpg.connect(dsn)
    try:
        # Foreign-key triggers off for this session only: the rows are consistent by
        # construction, and checking 2M references one by one would dominate the load.
        await db.execute("SET session_replication_role = replica")
        saved = await db.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            list(BIG_TABLES),
        )
        for row in saved:
            await db.execute(f'DROP INDEX "{row["indexname"]}"')
        await db.copy_records_to_table(
            "actors", records=list(data.actors()), columns=list(ACTOR_COLUMNS)
        )
        await db.copy_records_to_table(
            "follows", records=list(data.follow_rows()), columns=list(FOLLOW_COLUMNS)
        )
        for objects, entries in chunks(data.objects_and_entries()):
            await db.copy_records_to_table("objects", records=objects, columns=list(OBJECT_COLUMNS))
            await db.copy_records_to_table(
                "timeline_entries", records=entries, columns=list(ENTRY_COLUMNS)
            )
        for row in saved:
            await db.execute(row["indexdef"])
        for table in ("actors", "objects", "follows", "timeline_entries"):
            await db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        # What autovacuum would do shortly after such a load: fresh planner statistics.
        await db.execute("ANALYZE")
    finally:
        await db.close()
