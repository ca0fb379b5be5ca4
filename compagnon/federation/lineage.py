"""Lineage of learning resources: the sources a document names, and the record of them.

A remix names its sources in `isBasedOn`, a translation in `translationOfWork` (schema.org)
and in `isBasedOn` too (readers that know only isBasedOn, AMB's among them, still see the
chain). Every stored resource that names a source, ours or a peer's, arriving by the inbox or
by catalogue sync, gets one `derivations` row per source, so a source's page lists its
derivatives with one indexed lookup (storage/queries/lineage.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.resources import MAX_LIST
from compagnon.domain.safe_urls import http_url
from compagnon.federation.jsonld import ids
from compagnon.storage.queries import lineage as lineage_queries


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
