"""Keeping the search index current as objects are stored, updated and deleted: the one
place publishing and the inbox handlers call (storage/queries/search.py does the work).

Only learning resources, questions (quizzes), modules and journeys are indexed, so for
everything else these cost nothing: no statement is run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.collections import KINDS
from compagnon.domain.facets import is_listed
from compagnon.storage.models import Object
from compagnon.storage.queries import search

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
        await search.index_objects(session, rows)


async def index_received(
    session: AsyncSession, rows: Sequence[tuple[int, datetime, int, dict[str, Any]]]
) -> None:
    """Index remote objects just stored by ingest.py: (object id, published, actor id, AS2
    document) each; what search lists only, the whole batch in the same few
    statements."""
    wanted = [row for row in rows if is_listed(row[3])]
    if wanted:
        await search.index_objects(session, wanted, fresh=True)  # inserted just now


async def forget(session: AsyncSession, objects: Sequence[Object]) -> None:
    """Take deleted objects out of the index."""
    ids = [obj.id for obj in objects if obj.type in LISTED_TYPES]
    if ids:
        await search.unindex(session, ids)
