"""Storing remote objects: what a received Create does, in batches.

One function, `store_remote_objects`, used by the inbox's Create handler (one item) and by
catalogue sync (a page of items): HTML sanitised once, objects inserted in one statement,
home-timeline entries for the local addressees and followers in another. An id already held
(or tombstoned) is never stored again: a deleted object cannot be brought back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.convert import object_fields_from_note
from compagnon.federation.jsonld import ids
from compagnon.federation.sanitize import sanitize_html
from compagnon.storage.models import Actor, Follow, Object, TimelineEntry, User

IN_CHUNK = 500  # ids per IN (...) list: well under SQLite's and asyncpg's parameter limits


@dataclass(frozen=True)
class RemoteItem:
    """An object document its sender vouches for (the caller checked host and attribution)."""

    sender: Actor
    doc: dict[str, Any]


@dataclass(frozen=True)
class StoredObject:
    id: int
    uri: str
    actor_id: int


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def _existing(session: AsyncSession, uris: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(uris), IN_CHUNK):
        chunk = uris[start : start + IN_CHUNK]
        found.update(
            (await session.execute(select(Object.uri).where(Object.uri.in_(chunk)))).scalars()
        )
    return found


def _row(item: RemoteItem) -> dict[str, Any]:
    fields = object_fields_from_note(item.doc, item.sender.followers_url)
    fields["content"] = sanitize_html(fields["content"])
    fields["summary"] = sanitize_html(fields["summary"])
    return {**fields, "actor_id": item.sender.id, "is_local": False, "deleted_at": None}


async def store_remote_objects(
    session: AsyncSession, items: Sequence[RemoteItem]
) -> list[StoredObject]:
    """Store the objects not held yet, push them to local home timelines; returns what was
    stored (in the order given). Runs in the caller's transaction."""
    unique: dict[str, RemoteItem] = {}
    for item in items:
        unique.setdefault(item.doc["id"], item)
    if not unique:
        return []
    held = await _existing(session, list(unique))
    fresh = [item for uri, item in unique.items() if uri not in held]
    if not fresh:
        return []
    rows = [_row(item) for item in fresh]
    visibility = {row["uri"]: row["visibility"] for row in rows}
    connection = await session.connection()
    # ON CONFLICT: the same object may arrive by the inbox while a sync imports it.
    statement = (
        _insert_for(session)(Object.__table__)
        .on_conflict_do_nothing(index_elements=["uri"])
        .returning(Object.id, Object.uri, Object.actor_id)
    )
    result = await connection.execute(statement, rows)
    by_uri = {uri: StoredObject(id_, uri, actor_id) for id_, uri, actor_id in result}
    stored = [by_uri[item.doc["id"]] for item in fresh if item.doc["id"] in by_uri]
    await _push_to_timelines(
        session, [(s, _audience(unique[s.uri].doc), visibility[s.uri]) for s in stored]
    )
    return stored


async def _push_to_timelines(
    session: AsyncSession, stored: list[tuple[StoredObject, list[str], str]]
) -> None:
    """Each object into the home timeline of the local users it is addressed to, and (unless
    it is direct) of the local users following its sender: two SELECTs, one INSERT."""
    if not stored:
        return
    addressed = sorted({uri for _, audience, _ in stored for uri in audience})
    user_of: dict[str, int] = {}  # local actor uri -> its user
    for start in range(0, len(addressed), IN_CHUNK):
        rows = await session.execute(
            select(Actor.uri, User.id)
            .join(User, User.actor_id == Actor.id)
            .where(Actor.uri.in_(addressed[start : start + IN_CHUNK]), Actor.is_local.is_(True))
        )
        user_of.update({uri: user_id for uri, user_id in rows})
    followers: dict[int, set[int]] = {}  # sender -> its local followers' users
    follows = await session.execute(
        select(Follow.followee_id, User.id)
        .join(User, User.actor_id == Follow.follower_id)
        .where(
            Follow.followee_id.in_({s.actor_id for s, _, _ in stored}), Follow.state == "accepted"
        )
    )
    for followee, user_id in follows:
        followers.setdefault(followee, set()).add(user_id)
    entries: list[dict[str, int]] = []
    for obj, audience, visibility in stored:
        readers = {user_of[uri] for uri in audience if uri in user_of}
        if visibility != "direct":
            readers |= followers.get(obj.actor_id, set())
        entries.extend({"user_id": user, "object_id": obj.id} for user in sorted(readers))
    if entries:
        connection = await session.connection()
        await connection.execute(
            _insert_for(session)(TimelineEntry.__table__).on_conflict_do_nothing(
                index_elements=["user_id", "object_id"]
            ),
            entries,
        )


def _audience(doc: dict[str, Any]) -> list[str]:
    return ids(doc.get("to")) + ids(doc.get("cc"))
