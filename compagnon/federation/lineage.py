"""Lineage of learning resources: the sources a document names, and the record of them.

A remix names its sources in `isBasedOn`, a translation in `translationOfWork` (schema.org)
and in `isBasedOn` too (readers that know only isBasedOn, AMB's among them, still see the
chain). Every stored resource that names a source, ours or a peer's, arriving by the inbox or
by catalogue sync, gets one `derivations` row per source, so a source's page lists its
derivatives with one indexed lookup (storage/queries/lineage.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.resources import MAX_LIST
from compagnon.domain.safe_urls import http_url
from compagnon.federation.jsonld import ids
from compagnon.storage.models import Object
from compagnon.storage.queries import lineage as lineage_queries
from compagnon.storage.queries.notifications import notify


def sources_in(doc: dict[str, Any] | None) -> list[tuple[str, bool]]:
    """(source URL, whether this is a translation of it) for each source the document names:
    translated ones first; only safe http(s) URLs, other than the document's own id, at most
    MAX_LIST of them."""
    if not isinstance(doc, dict):
        return []
    own = doc.get("id")
    translated = [u for u in ids(doc.get("translationOfWork")) if http_url(u) and u != own]
    remixed = [u for u in ids(doc.get("isBasedOn")) if http_url(u) and u != own]
    found = {u: True for u in translated}
    for uri in remixed:
        found.setdefault(uri, False)
    return list(found.items())[:MAX_LIST]


async def record(
    session: AsyncSession, stored: list[tuple[int, dict[str, Any] | None]], *, fresh: bool = False
) -> None:
    """Record the sources of these stored objects (object id, its document), replacing what
    was recorded before; `fresh` for objects stored just now. Objects naming no source cost
    no statement when fresh."""
    rows = [
        (source, object_id, translation)
        for object_id, doc in stored
        for source, translation in sources_in(doc)
    ]
    await lineage_queries.replace(session, [i for i, _ in stored], rows, fresh=fresh)
    if fresh and rows:
        await _tell_the_authors(session, rows)


async def _tell_the_authors(session: AsyncSession, rows: list[tuple[str, int, bool]]) -> None:
    """A new remix or translation of one of our resources: its author hears of it
    (/notifications), whoever made the derivative, here or on another node. Only for objects
    stored just now, so an edit does not tell them again."""
    sources = await session.execute(
        select(Object.uri, Object.actor_id).where(
            Object.uri.in_({source for source, _, _ in rows}), Object.is_local.is_(True)
        )
    )
    authors: dict[str, int] = {uri: actor_id for uri, actor_id in sources}
    if not authors:
        return
    made = await session.execute(
        select(Object.id, Object.uri, Object.actor_id).where(
            Object.id.in_({object_id for source, object_id, _ in rows if source in authors})
        )
    )
    derivatives = {object_id: (uri, actor_id) for object_id, uri, actor_id in made}
    for source, object_id, _translation in rows:
        if source in authors and object_id in derivatives:
            uri, maker = derivatives[object_id]
            await notify(session, authors[source], "remix", maker, uri)
