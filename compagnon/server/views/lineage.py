"""What a resource's page shows of its lineage (templates/_lineage.html): the sources it
remixes or translates, and the derivatives that name it as their source, here or on other
nodes (federation/lineage.py records them as they arrive)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.lineage import sources_in
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import lineage as lineage_queries


@dataclass(frozen=True)
class Related:
    uri: str
    title: str  # the URL itself when the node does not hold the resource
    author: str  # @name@host, "" when unknown
    translation: bool


@dataclass(frozen=True)
class Lineage:
    sources: list[Related]
    derivatives: list[Related]

    def __bool__(self) -> bool:
        return bool(self.sources or self.derivatives)


def _handle(actor: Actor | None) -> str:
    return f"@{actor.username}@{actor.domain}" if actor is not None else ""


async def lineage_of(session: AsyncSession, obj: Object) -> Lineage:
    """The sources `obj` names (with their titles when held here) and its derivatives."""
    named = sources_in(obj.raw)
    held: dict[str, tuple[Object, Actor]] = {}
    if named:
        rows = await session.execute(
            select(Object, Actor)
            .join(Actor, Actor.id == Object.actor_id)
            .where(Object.uri.in_([uri for uri, _ in named]), Object.deleted_at.is_(None))
        )
        held = {o.uri: (o, a) for o, a in rows}
    sources = []
    for uri, translation in named:
        source, author = held.get(uri, (None, None))
        title = (source.name or uri) if source is not None else uri
        sources.append(Related(uri, title, _handle(author), translation))
    derivatives = [
        Related(d.uri, d.name or d.uri, _handle(a), translation)
        for d, a, translation in await lineage_queries.derivatives(session, obj.uri)
    ]
    return Lineage(sources, derivatives)
