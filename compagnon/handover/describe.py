"""The AMB record of each OAI record whose metadata is not stored yet (rendered.py), built
from its AS2 document with the names of the actors and sources it links to, for this node:
its address and name, read from the settings, never from a request. One builder for the
web's answers (server/views/handover.py) and the worker's rendering ahead of harvests
(server/worker.py), so both store the same bytes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.federation import amb
from compagnon.handover import rendered
from compagnon.handover.queries import Record
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import objects as object_queries


def amb_url(base: str, uri: str, is_local: bool) -> str:
    if is_local:
        return uri + amb.AMB_SUFFIX
    return f"{base}/resource/amb?uri={quote(uri, safe='')}"


def describer(
    base: str, node_name: str, sessions: async_sessionmaker[AsyncSession]
) -> rendered.Describe:
    """`describe(records, documents)` for this node (two statements for the lot)."""

    async def describe(
        records: Sequence[Record], documents: dict[int, dict[str, Any]]
    ) -> dict[int, dict[str, Any]]:
        shown = [r for r in records if r.object_id in documents and not r.deleted]
        uris = {uri for r in shown for uri in amb.linked_uris(documents[r.object_id])}
        async with sessions() as session:
            actors = await actor_queries.by_uris(session, uris) if uris else {}
            names = await object_queries.names_by_uris(session, uris) if uris else {}
        names.update(
            {uri: a.name or a.username for uri, a in actors.items() if a.name or a.username}
        )
        kinds = {uri: a.type for uri, a in actors.items()}
        return {
            r.object_id: amb.amb_record(
                documents[r.object_id],
                record_url=amb_url(base, r.uri, r.is_local),
                provider_url=base + "/",
                provider_name=node_name,
                names=names,
                actor_types=kinds,
            )
            for r in shown
        }

    return describe
