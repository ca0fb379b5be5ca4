"""Keeping the OAI repository's records current (tables `handover_records`, `handover_sets`):
called where the search index is kept (federation/search_index.py), so publishing, the
inbox's Create/Update/Delete and catalogue sync need no hook of their own.

A record's datestamp is the moment this node changed it. An object that stops being a
record (deleted, or edited to unlisted) keeps its row, marked deleted, with a new datestamp:
harvesters learn of it at their next incremental harvest.

Writing a row anew leaves its stored metadata empty (rendered.py renders it on the first
read): nothing here builds XML, so the inbox and catalogue sync pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.consent import consents
from compagnon.handover.sets import (
    LANG,
    Membership,
    country_of_actor_document,
    languages_text,
    membership,
    shown_in_harvests,
)
from compagnon.storage.bulk import insert_rows
from compagnon.storage.models import Actor, HandoverRecord, HandoverSet, NodeFact, Object, utcnow
from compagnon.storage.queries import statistics_counts

Row = tuple[int, int, dict[str, Any]]  # object id, actor id, AS2 document
Author = tuple[Actor, str | None]  # an author, and their node's country
# The object types that can be records (sets.shown_in_harvests decides for each document).
RECORD_TYPES = ("LearningResource", "Question", "Module", "Journey")
# NodeFact key: the `country` setting, written at start-up (server/app.py, operations), so
# records written where no settings are at hand (the inbox, publishing) know this node's
# country when the centre's profile names none.
COUNTRY_FACT = "handover_country"
RECORDS = cast(Table, HandoverRecord.__table__)
SETS = cast(Table, HandoverSet.__table__)


async def remember_country(session: AsyncSession, country: str) -> None:
    fact = await session.get(NodeFact, COUNTRY_FACT)
    if fact is None:
        session.add(NodeFact(key=COUNTRY_FACT, value=country))
    else:
        fact.value = country


async def note(
    session: AsyncSession,
    rows: Sequence[Row],
    *,
    fresh: bool = False,
    authors: dict[int, Author] | None = None,
) -> None:
    """Record (or re-record) objects just stored or edited. `fresh`: inserted just now, so
    none has a record yet (one statement fewer). `authors`: as `authors()` gave them to the
    caller for the search index (their lookup not made twice)."""
    if not rows:
        return
    now = utcnow()
    if authors is None:
        authors = await author_origins(session, {actor_id for _, actor_id, _ in rows})
    shown: list[tuple[int, int, Membership]] = []
    hidden: list[int] = []
    for object_id, actor_id, doc in rows:
        actor, country = authors.get(actor_id, (None, None))
        if actor is not None and shown_in_harvests(doc, author_consents(actor)):
            shown.append((object_id, actor_id, membership(doc, country)))
        else:
            hidden.append(object_id)
    ids = [object_id for object_id, _, _ in shown]
    if not fresh and ids:
        await session.execute(delete(HandoverSet).where(HandoverSet.object_id.in_(ids)))
        await session.execute(delete(HandoverRecord).where(HandoverRecord.object_id.in_(ids)))
    if shown:
        # Core tables, one statement each (storage/bulk.py), not the ORM's bulk insert: its
        # per-row work was a tenth of a catalogue sync's CPU (bench/README.md, "catalogue sync").
        connection = await session.connection()
        await insert_rows(
            connection,
            RECORDS,
            [
                {
                    "object_id": oid,
                    "actor_id": aid,
                    "datestamp": now,
                    "deleted": False,
                    "country": member.country,
                    "isced": member.isced,
                    "eqf": member.eqf,
                    "languages": languages_text(member.languages),
                }
                for oid, aid, member in shown
            ],
        )
        members = [
            {"set_spec": f"{LANG}:{code}", "object_id": oid, "datestamp": now}
            for oid, _, member in shown
            for code in member.languages
        ]
        await insert_rows(connection, SETS, members)
    if hidden and not fresh:
        await mark_deleted(session, hidden, now)


async def mark_deleted(
    session: AsyncSession, object_ids: Sequence[int], now: datetime | None = None
) -> None:
    """The objects are no longer records: their rows stay, marked deleted (persistent)."""
    if not object_ids:
        return
    now = now or utcnow()
    held = (
        await session.scalars(
            select(HandoverRecord.object_id).where(
                HandoverRecord.object_id.in_(object_ids), HandoverRecord.deleted.is_(False)
            )
        )
    ).all()
    if not held:
        return
    await session.execute(
        update(HandoverRecord)
        .where(HandoverRecord.object_id.in_(held))
        .values(deleted=True, datestamp=now, oai_dc=None, lom=None, rendered_for=None)
    )
    await session.execute(
        update(HandoverSet).where(HandoverSet.object_id.in_(held)).values(datestamp=now)
    )


async def set_country(session: AsyncSession, host: str, country: str) -> int:
    """A node's country became known or changed (its centre's profile): its records move to
    that country's set, with a new datestamp, so an incremental harvest of either set sees
    the move. Returns how many moved."""
    ids = (
        await session.scalars(
            select(HandoverRecord.object_id)
            .join(Actor, Actor.id == HandoverRecord.actor_id)
            .where(
                Actor.domain == host,
                or_(HandoverRecord.country.is_(None), HandoverRecord.country != country),
            )
        )
    ).all()
    now = utcnow()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        await session.execute(
            update(HandoverRecord)
            .where(HandoverRecord.object_id.in_(chunk))
            .values(country=country, datestamp=now)
        )
        await session.execute(
            update(HandoverSet).where(HandoverSet.object_id.in_(chunk)).values(datestamp=now)
        )
    return len(ids)


def author_consents(actor: Actor) -> bool:
    """The actor's stored consent (`actors.indexable` / `discoverable`, domain/consent.py)."""
    return consents(actor.indexable, actor.discoverable)


async def actor_changed(session: AsyncSession, actor: Actor, *, consented_before: bool) -> None:
    """An actor's consent may have changed (its Update, a refetch, `compagnon indexing`).
    Withdrawn: its records become deleted records, so harvesters drop them at their next
    harvest. Given again: its public listed objects become records again. Either way its
    resources move past every export cursor (objects.changed_at), so the export lists them
    again, as records or as deletions."""
    now_consents = author_consents(actor)
    if now_consents == consented_before:
        return
    await statistics_counts.recount_authors(session, [actor.id])  # counted by name no more
    await session.execute(
        update(Object)
        .where(Object.actor_id == actor.id, Object.type.in_(RECORD_TYPES))
        .values(changed_at=utcnow())
    )
    if not now_consents:
        ids = (
            await session.scalars(
                select(HandoverRecord.object_id).where(
                    HandoverRecord.actor_id == actor.id, HandoverRecord.deleted.is_(False)
                )
            )
        ).all()
        await mark_deleted(session, list(ids))
        return
    rows = await session.execute(
        select(Object.id, Object.actor_id, Object.raw).where(
            Object.actor_id == actor.id,
            Object.type.in_(RECORD_TYPES),
            Object.deleted_at.is_(None),
            Object.raw.is_not(None),
        )
    )
    await note(session, [(oid, aid, raw) for oid, aid, raw in rows if isinstance(raw, dict)])


async def author_origins(session: AsyncSession, actor_ids: set[int]) -> dict[int, Author]:
    """Each author and their node's country as the OAI sets name it (its consent and country
    decide its records; its host and country are the search index's centre and country
    facets): looked up once per batch for both."""
    actors = await _actors(session, actor_ids)
    countries = await _countries(session, actors.values())
    return {aid: (actor, countries.get(actor.domain)) for aid, actor in actors.items()}


def origins(authors: dict[int, Author]) -> dict[int, tuple[str | None, str | None]]:
    """Each author's origin for the search index: (its host, that host's country)."""
    return {aid: (actor.domain, country) for aid, (actor, country) in authors.items()}


async def _actors(session: AsyncSession, ids: set[int]) -> dict[int, Actor]:
    found = await session.scalars(select(Actor).where(Actor.id.in_(ids)))
    return {actor.id: actor for actor in found}


async def _countries(session: AsyncSession, actors: Any) -> dict[str, str | None]:
    """The country of each actor's node: an Organization of that host (a centre) that names
    one; for this node, the centre's profile (/admin/centre)."""
    domains = {actor.domain for actor in actors}
    found: dict[str, str | None] = dict.fromkeys(domains)
    for actor in actors:
        found[actor.domain] = found[actor.domain] or country_of_actor_document(actor.raw)
    missing = [domain for domain, country in found.items() if country is None]
    if missing:
        centres = await session.scalars(
            select(Actor).where(Actor.domain.in_(missing), Actor.type == "Organization")
        )
        for centre in centres:
            found[centre.domain] = found[centre.domain] or country_of_actor_document(centre.raw)
    local = {actor.domain for actor in actors if actor.is_local and found[actor.domain] is None}
    if local:
        fact = await session.get(NodeFact, COUNTRY_FACT)
        country = country_of_actor_document({"country": fact.value if fact else ""})
        found.update(dict.fromkeys(local, country))
    return found
