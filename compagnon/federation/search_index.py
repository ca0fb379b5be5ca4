"""Keeping the search index current as objects are stored, updated and deleted: the one
place publishing and the inbox handlers call (storage/queries/search.py does the work).

Only learning resources are indexed, so for everything else these cost nothing: no
statement is run.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.facets import is_learning_resource
from compagnon.storage.models import Object
from compagnon.storage.queries import search


async def index_stored(session: AsyncSession, objects: Sequence[Object]) -> None:
    """(Re-)index objects just stored or updated, from the AS2 document each keeps in `raw`.
    Batch-shaped on purpose: a batch of remote objects is indexed in three statements."""
    rows = [
        (obj.id, obj.published, obj.actor_id, obj.raw)
        for obj in objects
        if obj.raw is not None and (is_learning_resource(obj.raw) or obj.type == "LearningResource")
    ]
    if rows:
        await search.index_objects(session, rows)


async def forget(session: AsyncSession, objects: Sequence[Object]) -> None:
    """Take deleted objects out of the index."""
    ids = [obj.id for obj in objects if obj.type == "LearningResource"]
    if ids:
        await search.unindex(session, ids)
