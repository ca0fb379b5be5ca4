"""A centre's catalogue for the sync scenario: public learning resources and their Create
activities, built by the node's own code, bulk-loaded into the centre's SQLite database."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import Any

import orjson

from bench.datagen import START, TOPICS, insert_sql, sqlite_rows

CATALOGUE_OBJECT_COLUMNS = (
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
)
CATALOGUE_ACTIVITY_COLUMNS = (
    "uri",
    "type",
    "actor_uri",
    "object_uri",
    "is_local",
    "raw",
    "state",
    "attempts",
    "received_at",
    "processed_at",
)


def centre_catalogue(
    author: Any, base: str, count: int, seed: int = 11
) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """(object row, Create activity row) for `count` public learning resources of the local
    actor `author` (an Actor row of the centre's database), built by the node's own code as
    `publish.publish_resource` builds them: the resource document (resource_convert), the
    Create around it (convert.wrap) with its actor's FEP-8b32 proof (integrity)."""
    from compagnon.domain.resources import LearningResource
    from compagnon.federation.convert import addressing, wrap
    from compagnon.federation.resource_convert import to_resource_object
    from compagnon.federation.signing.integrity import signed_activity
    from compagnon.storage.models import Object

    rng = random.Random(seed)
    recipients = addressing("public", author.followers_url, [])
    for i in range(count):
        topic = rng.choice(TOPICS)
        resource = LearningResource(
            title=f"{topic.capitalize()} worksheet {i}",
            description=f"Checklist and two exercises on {topic}, for trainees in workshops.",
            url=f"https://oer.example/{topic.replace(' ', '-')}/{i}.pdf",
            license="https://creativecommons.org/licenses/by-sa/4.0/",
            language="en",
            eqf_level=rng.randrange(2, 6),
            isced_field="0715",
            resource_type="worksheet",
            time_required="PT45M",
            keywords=(topic, "vet"),
        )
        published = START + timedelta(minutes=i)
        obj = Object(
            uri=f"{base}/objects/bench-{seed}-{i}",
            recipients=recipients,
            published=published.replace(tzinfo=UTC),
        )
        doc = to_resource_object(resource, obj, author, base)
        create = signed_activity(
            wrap("Create", f"{base}/activities/bench-{seed}-{i}", author.uri, doc, recipients),
            author,
        )
        yield (
            (
                obj.uri,
                "LearningResource",
                author.id,
                True,
                "public",
                doc["content"],
                resource.description,
                resource.title,
                "en",
                resource.url,
                orjson.dumps({**recipients, "tag": doc["tag"]}).decode(),
                orjson.dumps(doc).decode(),
                published,
            ),
            (
                create["id"],
                "Create",
                author.uri,
                obj.uri,
                True,
                orjson.dumps(create).decode(),
                "done",
                0,
                published,
                published,
            ),
        )


def load_centre_catalogue(path: str, author: Any, base: str, count: int, seed: int) -> None:
    """Blocking; run it in a thread. Objects and their Creates in one transaction, in
    publication order (the outbox pages by activity id, newest first)."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")  # a bulk load that can be redone, not user data
        db.execute("BEGIN")
        rows = list(centre_catalogue(author, base, count, seed))
        db.executemany(
            insert_sql("objects", CATALOGUE_OBJECT_COLUMNS), sqlite_rows([o for o, _ in rows])
        )
        db.executemany(
            insert_sql("activities", CATALOGUE_ACTIVITY_COLUMNS), sqlite_rows([a for _, a in rows])
        )
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
