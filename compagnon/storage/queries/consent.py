"""Consent to indexing (domain/consent.py), for every query that lists, harvests or counts by
name: search (queries/search.py), and the OAI-PMH, sitemap, feeds, exports and statistics to
come. Call one of these rather than reading the flags yourself.

- `non_consenting_actors()`: a SELECT of the ids of actors that opted out, to use as
  `Object.actor_id.not_in(non_consenting_actors())`.
- `consenting(Actor)`: the same rule as a WHERE clause on a query joined to actors.
- `may_list(session, actor_id)` / `may_list_object(session, uri)`: for one record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.consent import consents
from compagnon.storage.models import Actor, Object


def opted_out() -> ColumnElement[bool]:
    return or_(Actor.indexable.is_(False), Actor.discoverable.is_(False))


def consenting() -> ColumnElement[bool]:
    """WHERE clause: the actor consents (a flag that is absent consents)."""
    return and_(
        or_(Actor.indexable.is_(None), Actor.indexable.is_(True)),
        or_(Actor.discoverable.is_(None), Actor.discoverable.is_(True)),
    )


def non_consenting_actors() -> Select[Any]:
    return select(Actor.id).where(opted_out())


async def may_list(session: AsyncSession, actor_id: int) -> bool:
    actor = await session.get(Actor, actor_id)
    return actor is not None and consents(actor.indexable, actor.discoverable)


async def may_list_object(session: AsyncSession, uri: str) -> bool:
    """Whether the record at `uri` (held here) may be listed, harvested, counted by name."""
    row = await session.execute(
        select(Actor.indexable, Actor.discoverable)
        .join(Object, Object.actor_id == Actor.id)
        .where(Object.uri == uri)
    )
    found = row.first()
    return found is not None and consents(found[0], found[1])
