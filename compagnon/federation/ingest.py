"""Remote objects into storage, many at a time: the one way a peer's post or resource is
stored, whether it came in a Create (inbox/handlers.py) or from a catalogue page, and put in
the search index when it is a learning resource (search_index.py).

Statements per call, not per object: a SELECT of the URIs already held, one INSERT of the new
objects, one SELECT of who reads them here, one INSERT of their home-timeline entries. Each
statement has a fixed cost in SQLAlchemy (and in PostgreSQL's round trip) of the order of
the storing itself, so a batch of 50 costs what a few objects stored one by one cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.collections import items_by_phase
from compagnon.domain.safe_urls import http_url
from compagnon.federation.convert import object_fields_from_note
from compagnon.federation.jsonld import ids
from compagnon.federation.lineage import record as record_lineage
from compagnon.federation.sanitize import sanitize_html
from compagnon.federation.search_index import index_received
from compagnon.federation.urls import host_of
from compagnon.storage.models import Actor, Follow, Object, TimelineEntry, User
from compagnon.storage.plans import custom_plans
from compagnon.storage.queries import collections, provenance

OBJECTS = cast(Table, Object.__table__)
# Bound parameters per IN (...) list: well under SQLite's 32,766 and PostgreSQL's 65,535.
IN_CHUNK = 500


@dataclass(frozen=True)
class Incoming:
    """An object document checked to belong to its sender (same host, attributed to them)."""

    sender: Actor
    doc: dict[str, Any]
    # How it reached us (storage/queries/provenance.py ROUTES), and through whom.
    route: str = "direct"
    via: str | None = None


@dataclass(frozen=True)
class Stored:
    id: int
    uri: str
    sender_id: int
    doc: dict[str, Any]


def prepare(item: Incoming) -> dict[str, Any]:
    """The row of one object: fields from the document, HTML sanitised (CPU only)."""
    fields = object_fields_from_note(item.doc, item.sender.followers_url)
    fields["content"] = sanitize_html(fields["content"])
    fields["summary"] = sanitize_html(fields["summary"])
    return {**fields, "actor_id": item.sender.id, "is_local": False, "deleted_at": None}


async def store_remote_objects(session: AsyncSession, items: Sequence[Incoming]) -> list[Stored]:
    """Store the objects not held yet (a known or deleted one is left as it is: a tombstone
    is never brought back) and push each into the home timelines of its readers here: the
    local actors it addresses, and, unless it is a direct message, the sender's local
    followers. Returns what was stored, in the order given."""
    fresh: dict[str, Incoming] = {}
    for item in items:
        if http_url(item.doc.get("id")) is None:
            continue  # callers refuse these with a reason; never stored, whoever calls
        fresh.setdefault(item.doc["id"], item)  # the same object twice in one batch: once
    # Both look objects up by URI in a table a sync may be growing fast (storage/plans.py).
    async with custom_plans(session):
        held = await _held(session, list(fresh))
        await provenance.seen_again(session, held)
    for known in held:
        del fresh[known]
    if not fresh:
        return []
    rows = [prepare(item) for item in fresh.values()]
    insert = _insert_for(session)
    # Core, not the ORM's bulk insert: nothing here needs ORM objects, and the ORM layer was
    # a tenth of a catalogue sync's CPU.
    connection = await session.connection()
    result = await connection.execute(
        insert(OBJECTS)
        .on_conflict_do_nothing(index_elements=["uri"])  # another worker stored it meanwhile
        .returning(OBJECTS.c.id, OBJECTS.c.uri),
        rows,
    )
    new_ids = {uri: object_id for object_id, uri in result.all()}
    stored = [
        Stored(new_ids[uri], uri, item.sender.id, item.doc)
        for uri, item in fresh.items()
        if uri in new_ids
    ]
    await provenance.record_new(
        session,
        [
            provenance.Seen(new_ids[uri], host_of(uri), item.route, item.via)
            for uri, item in fresh.items()
            if uri in new_ids
        ],
    )
    by_uri = {row["uri"]: row for row in rows}
    await index_received(
        session, [(s.id, by_uri[s.uri]["published"], s.sender_id, s.doc) for s in stored]
    )
    await record_lineage(session, [(s.id, s.doc) for s in stored], fresh=True)
    await store_collection_items(session, stored)
    await _push_to_readers(session, stored, {uri: row["visibility"] for uri, row in by_uri.items()})
    return stored


async def store_collection_items(session: AsyncSession, stored: Sequence[Stored]) -> None:
    """The items of the modules and journeys among `stored`, in order (collection_items)."""
    for item in stored:
        phases = items_by_phase(item.doc)
        if phases:
            await collections.replace_items(session, item.id, phases)


async def _held(session: AsyncSession, uris: list[str]) -> list[str]:
    held: list[str] = []
    for start in range(0, len(uris), IN_CHUNK):
        chunk = uris[start : start + IN_CHUNK]
        result = await session.execute(select(Object.uri).where(Object.uri.in_(chunk)))
        held.extend(result.scalars())
    return held


async def _push_to_readers(
    session: AsyncSession, stored: list[Stored], visibility: dict[str, str]
) -> None:
    if not stored:
        return
    # Local actors with a login, by URI (a node has a few hundred at most: one small SELECT)
    users_by_actor_uri: dict[str, int] = {
        uri: user_id
        for uri, user_id in await session.execute(
            select(Actor.uri, User.id).join(User, User.actor_id == Actor.id)
        )
    }
    senders = list({s.sender_id for s in stored})
    followers: dict[int, list[int]] = {}
    for start in range(0, len(senders), IN_CHUNK):
        rows = await session.execute(
            select(Follow.followee_id, User.id)
            .join(User, User.actor_id == Follow.follower_id)
            .where(Follow.followee_id.in_(senders[start : start + IN_CHUNK]))
            .where(Follow.state == "accepted")
        )
        for followee_id, user_id in rows:
            followers.setdefault(followee_id, []).append(user_id)
    entries: list[dict[str, int]] = []
    for obj in stored:
        readers = {
            users_by_actor_uri[uri]
            for uri in ids(obj.doc.get("to")) + ids(obj.doc.get("cc"))
            if uri in users_by_actor_uri
        }
        if visibility[obj.uri] != "direct":
            readers.update(followers.get(obj.sender_id, ()))
        entries.extend({"user_id": user_id, "object_id": obj.id} for user_id in sorted(readers))
    if entries:
        insert = _insert_for(session)
        connection = await session.connection()
        await connection.execute(
            insert(cast(Table, TimelineEntry.__table__)).on_conflict_do_nothing(
                index_elements=["user_id", "object_id"]
            ),
            entries,
        )


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert
