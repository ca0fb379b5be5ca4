"""Keeping the search index current as objects are stored, updated and deleted: the one
place publishing and the inbox handlers call (storage/queries/search_indexing.py does the work).

Only what search lists (learning resources, questions, modules and journeys) is indexed, so
for everything else these cost nothing: no statement is run. Events get their times written
to `event_times` here too (their listing).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.collections import KINDS
from compagnon.domain.facets import is_listed
from compagnon.federation.as_types import has_type
from compagnon.federation.event_convert import times_of
from compagnon.handover import records as handover_records
from compagnon.storage.models import Object
from compagnon.storage.queries import events, search_indexing, status_edits

EventRow = tuple[int, dict[str, Any]]  # object id, AS2 document

LISTED_TYPES = frozenset({"LearningResource", "Question", *KINDS})  # the types search lists


async def index_stored(session: AsyncSession, objects: Sequence[Object]) -> None:
    """(Re-)index objects just stored or updated, from the AS2 document each keeps in `raw`.
    Batch-shaped on purpose: a batch of remote objects is indexed in three statements."""
    rows = [
        (obj.id, obj.published, obj.actor_id, obj.raw)
        for obj in objects
        if obj.raw is not None and (is_listed(obj.raw) or obj.type in LISTED_TYPES)
    ]
    if rows:
        authors = await handover_records.author_origins(session, {aid for _, _, aid, _ in rows})
        origins = handover_records.origins(authors)
        await search_indexing.index_objects(session, rows, origins=origins)
        # The OAI repository's records follow the index (compagnon/handover/records.py).
        await handover_records.note(
            session, [(oid, aid, doc) for oid, _, aid, doc in rows], authors=authors
        )
    events_stored = [(obj.id, obj.raw) for obj in objects if obj.raw and _is_event(obj.raw)]
    await _index_events(session, events_stored)


async def index_received(
    session: AsyncSession, rows: Sequence[tuple[int, datetime, int, dict[str, Any]]]
) -> None:
    """Index remote objects just stored by ingest.py: (object id, published, actor id, AS2
    document) each; what search lists only, the whole batch in the same few
    statements."""
    wanted = [row for row in rows if is_listed(row[3])]
    if wanted:
        authors = await handover_records.author_origins(session, {row[2] for row in wanted})
        origins = handover_records.origins(authors)
        # inserted just now: fresh
        await search_indexing.index_objects(session, wanted, fresh=True, origins=origins)
        await handover_records.note(
            session, [(oid, aid, doc) for oid, _, aid, doc in wanted], fresh=True, authors=authors
        )
    await _index_events(session, [(row[0], row[3]) for row in rows if _is_event(row[3])])


async def forget(session: AsyncSession, objects: Sequence[Object]) -> None:
    """Take deleted objects out of the index, and drop their earlier versions."""
    ids = [obj.id for obj in objects if obj.type in LISTED_TYPES]
    if ids:
        await search_indexing.unindex(session, ids)
        await handover_records.mark_deleted(session, ids)  # kept as deleted records
    await events.forget(session, [obj.id for obj in objects if obj.type == "Event"])
    await status_edits.forget(session, [obj.id for obj in objects])


def _is_event(doc: dict[str, Any]) -> bool:
    return has_type(doc, "Event")


async def _index_events(session: AsyncSession, rows: Sequence[EventRow]) -> None:
    """Events keep their times in `event_times` (listing upcoming events); costs nothing when
    there is none."""
    found = []
    for object_id, doc in rows:
        times = times_of(doc)
        if times is None:
            continue  # no readable start: stored as a post, not listed
        words = " ".join(
            [*_texts(doc.get("nameMap")), *_texts(doc.get("description")), str(doc.get("name"))]
        )
        found.append(events.Times(object_id, *times, words=words.lower()[:20_000]))
    await events.save_times(session, found)


def _texts(value: Any) -> list[str]:
    return [v for v in value.values() if isinstance(v, str)] if isinstance(value, dict) else []
