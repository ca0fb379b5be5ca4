"""The catalogue as AMB records (federation/amb.py), for harvesters and for another node: one
page at a time after an opaque cursor (`GET /export/amb?since=`), or all of it
(`compagnon catalogue export`).

A page walks `objects` by (changed_at, id): `changed_at` is when this node last changed the
row (migration 0019), so a resource edited, deleted or received late is handed on after any
cursor given before. Each page lists the records of public learning resources whose authors
count (handover/counted.py) and the deletions (tombstones keep their row, type and
visibility; an author who withdrew consent to indexing has the resources that were once
records listed as deletions, dated when they withdrew), and the cursor of the last row it
read: keep it, ask again with it, and nothing changed since is missed. A cursor is the row's
key in a versioned text, not a promise about its shape.

Known limit: a transaction still open when a harvester reads may commit a change dated a
little before a cursor handed out meanwhile. Writes here are short (one batch of a catalogue
page or of the inbox), so a harvester that asks again from a cursor a minute old sees them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation import amb
from compagnon.handover.counted import counted_actors
from compagnon.i18n import _
from compagnon.storage.models import Actor, HandoverRecord, Object
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries.consent import non_consenting_actors

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
CURSOR_RE = re.compile(r"v1\.(\d{1,19})\.(\d{1,19})")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    """A `since` that this node did not hand out."""


@dataclass(frozen=True)
class Cursor:
    changed_at: datetime
    object_id: int

    def text(self) -> str:
        micros = (self.changed_at - EPOCH) // _MICROSECOND
        raw = f"v1.{micros}.{self.object_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - EPOCH


def read_cursor(text: str) -> Cursor:
    """The cursor a page handed out; BadCursor (with a sentence) for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    match = CURSOR_RE.fullmatch(raw)
    if len(text) > 80 or match is None:
        raise BadCursor(_("since: not a cursor this node gave; start without it"))
    try:
        moment = EPOCH + int(match.group(1)) * _MICROSECOND
    except OverflowError:
        raise BadCursor(_("since: not a cursor this node gave; start without it")) from None
    return Cursor(moment, int(match.group(2)))


@dataclass
class ExportPage:
    records: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[dict[str, str]] = field(default_factory=list)
    cursor: Cursor | None = None  # of the last row read; the same as asked when none
    complete: bool = True  # nothing after this page, for now


def record_url(base_url: str, obj: Object) -> str:
    """Where this node serves the AMB record of `obj` (server/views/resources.py)."""
    if obj.is_local:
        return obj.uri + amb.AMB_SUFFIX
    return f"{base_url}/resource/amb?uri={quote(obj.uri, safe='')}"


async def amb_records(
    session: AsyncSession, objects: Sequence[Object], *, base_url: str, provider_name: str
) -> list[dict[str, Any]]:
    """The AMB records of stored resources, names looked up for the whole batch at once."""
    docs = [obj.raw for obj in objects if obj.raw is not None]
    uris = {uri for doc in docs for uri in amb.linked_uris(doc)}
    actors = await actor_queries.by_uris(session, uris)
    names, types = embedded_names(docs)
    names.update(await object_queries.names_by_uris(session, uris))
    names.update({uri: a.name or a.username for uri, a in actors.items() if a.name or a.username})
    types.update({uri: a.type for uri, a in actors.items()})
    return [
        amb.amb_record(
            obj.raw,
            record_url=record_url(base_url, obj),
            provider_url=base_url + "/",
            provider_name=provider_name,
            names=names,
            actor_types=types,
        )
        for obj in objects
        if obj.raw is not None
    ]


def embedded_names(docs: Sequence[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """Names (and actor types) that documents carry beside the ids they link, as an imported
    record keeps them (handover/amb_import.py): what the record names when this node holds
    nothing better."""
    names: dict[str, str] = {}
    types: dict[str, str] = {}
    for doc in docs:
        for key in ("creator", "publisher", "isBasedOn", "isPartOf"):
            value = doc.get(key)
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    continue
                if isinstance(item.get("name"), str) and item["name"]:
                    names.setdefault(item["id"], item["name"])
                if isinstance(item.get("type"), str):
                    types.setdefault(item["id"], item["type"])
    return names, types


async def export_page(
    session: AsyncSession,
    *,
    since: Cursor | None,
    limit: int,
    base_url: str,
    provider_name: str,
) -> ExportPage:
    """The changes after `since` (from the start when None), at most `limit` rows."""
    query = (
        select(Object)
        .where(
            Object.type == "LearningResource",
            Object.visibility == "public",
            Object.changed_at.is_not(None),
            or_(
                Object.deleted_at.is_not(None),
                Object.actor_id.in_(counted_actors()),
                # Withdrawn (once a record, its author no longer consents): handed on as a
                # deletion, so a harvester drops what it took. Never consented: never shown.
                and_(
                    Object.actor_id.in_(non_consenting_actors()),
                    Object.id.in_(
                        select(HandoverRecord.object_id).where(HandoverRecord.deleted.is_(True))
                    ),
                ),
            ),
        )
        .order_by(Object.changed_at, Object.id)
        .limit(limit + 1)
    )
    if since is not None:
        query = query.where(
            or_(
                Object.changed_at > since.changed_at,
                and_(Object.changed_at == since.changed_at, Object.id > since.object_id),
            )
        )
    rows = list((await session.execute(query)).scalars())
    page = ExportPage(cursor=since, complete=len(rows) <= limit)
    rows = rows[:limit]
    if rows:
        last = rows[-1]
        assert last.changed_at is not None
        page.cursor = Cursor(last.changed_at, last.id)
    authors = {obj.actor_id for obj in rows if obj.deleted_at is None}
    counted = (
        set(await session.scalars(counted_actors().where(Actor.id.in_(authors))))
        if authors
        else set()
    )
    live = [
        obj
        for obj in rows
        if obj.deleted_at is None and obj.raw is not None and obj.actor_id in counted
    ]
    page.records = await amb_records(session, live, base_url=base_url, provider_name=provider_name)
    page.deleted = [
        {"id": obj.uri, "deleted": when.isoformat()}
        for obj in rows
        if (when := _gone_at(obj, counted)) is not None
    ]
    return page


def _gone_at(obj: Object, counted: set[int]) -> datetime | None:
    """When a row of the page stopped being a record: deleted, or its author withdrew consent
    (handed on as a deletion dated by the change, storage/queries/consent.py)."""
    if obj.deleted_at is not None:
        return obj.deleted_at
    if obj.actor_id not in counted:
        return obj.changed_at
    return None


async def count_exported(session: AsyncSession) -> int:
    """How many records a whole export holds (for the progress bar)."""
    query = select(func.count()).where(
        Object.type == "LearningResource",
        Object.visibility == "public",
        Object.deleted_at.is_(None),
        Object.changed_at.is_not(None),
        Object.actor_id.in_(counted_actors()),
    )
    return int((await session.execute(query)).scalar_one())


async def whole_catalogue(
    sessions: Any, *, base_url: str, provider_name: str, batch: int = 200
) -> AsyncIterator[dict[str, Any]]:
    """Every record, page after page, each page in a short transaction of its own (a long
    export never holds one open)."""
    cursor: Cursor | None = None
    while True:
        async with sessions() as session:
            page = await export_page(
                session, since=cursor, limit=batch, base_url=base_url, provider_name=provider_name
            )
        for record in page.records:
            yield record
        if page.complete or page.cursor is None:
            return
        cursor = page.cursor
