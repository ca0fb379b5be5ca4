"""Storing a remote actor's document (fetched, or sent in its Update), with what follows from
it: when the actor's consent to indexing changes (`indexable` / `discoverable`,
domain/consent.py), its OAI records and export rows follow at once
(handover/records.py: actor_changed); when a centre's country (its Organization's
`addressCountry`) becomes known or changes, the search index's country facet of that node's
resources follows, and so do their OAI records' country sets; its profile fields are
sanitised (federation/profile_fields.py). Every path that stores a remote actor goes
through `store_remote_actor`, so none can forget."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.consent import consents
from compagnon.federation import profile_fields
from compagnon.handover import records, rendered
from compagnon.handover.sets import country_of_actor_document
from compagnon.storage.models import Actor
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import search_indexing


async def store_remote_actor(session: AsyncSession, fields: dict[str, Any]) -> Actor:
    """Insert or refresh a remote actor from the fields
    `actor_convert.actor_fields_from_document` read."""
    fields = {**fields, "profile_fields": profile_fields.sanitised(fields.get("profile_fields"))}
    held = await actor_queries.by_uri(session, fields["uri"])
    before = held is None or consents(held.indexable, held.discoverable)
    country_before = country_of_actor_document(held.raw) if held is not None else None
    name_before = held.name if held is not None else None
    actor = await actor_queries.upsert_remote(session, fields)
    await records.actor_changed(session, actor, consented_before=before)
    if held is not None and actor.name != name_before:
        await rendered.forget_actor(session, actor.id)  # their OAI metadata names them
    country = country_of_actor_document(actor.raw)
    if actor.type == "Organization" and country is not None and country != country_before:
        await search_indexing.set_country(session, actor.domain, country)
        await records.set_country(session, actor.domain, country)
    return actor
