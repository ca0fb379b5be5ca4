"""The centre announces its trainers' catalogue.

Following the centre's Organization actor (`/users/centre`) must bring the whole centre: so
when a trainer publishes a public resource, the centre actor sends an `Announce` of it to
the centre's followers, and the centre's outbox pages those Announces (catalogue sync walks
them). The Announce embeds the resource's current document, as the Create does, so a
follower imports it without fetching it again; the object stays on the centre's host and
attributed to its trainer, which is what a receiver's same-origin check asks for. Edits and
deletions reach the centre's followers too (publish.py adds their inboxes).

Nothing here sends: Announces are delivery rows, like every activity (publish.send).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.convert import wrap
from compagnon.federation.jsonld import AS_PUBLIC
from compagnon.federation.outbox.recipients import inboxes
from compagnon.federation.signing.integrity import signed_activity
from compagnon.federation.urls import Urls
from compagnon.storage.models import Activity, Actor, Object
from compagnon.storage.queries import actors as actor_queries

CENTRE_USERNAME = "centre"


async def centre_actor(session: AsyncSession) -> Actor | None:
    return await actor_queries.local_by_username(session, CENTRE_USERNAME)


def announced(obj: Object, author: Actor) -> bool:
    """What the centre hands on: public (listed) resources of its trainers, not suspended."""
    return (
        obj.type == "LearningResource"
        and obj.visibility == "public"
        and obj.is_local
        and author.username != CENTRE_USERNAME
        and author.suspended_at is None
    )


async def announce_resource(
    session: AsyncSession, urls: Urls, obj: Object, author: Actor, doc: dict[str, Any]
) -> Activity | None:
    """Queue the centre's Announce of a newly published resource to the centre's followers
    (None when the resource is not for the catalogue or the node has no centre actor)."""
    from compagnon.federation.outbox.publish import send

    centre = await centre_actor(session)
    if centre is None or not announced(obj, author):
        return None
    recipients = {"to": [AS_PUBLIC], "cc": [centre.followers_url, author.uri]}
    announce = wrap("Announce", urls.new_activity(), centre.uri, _embedded(doc), recipients)
    announce["published"] = doc.get("published")
    return await send(
        session,
        centre,
        announce,
        addressed=recipients["to"] + recipients["cc"],
        object_uri=obj.uri,
    )


async def refresh_announce(session: AsyncSession, object_uri: str, doc: dict[str, Any]) -> None:
    """An edited resource's Announce embeds the new version (fresh proof), so the centre's
    outbox and deliveries still queued carry the current text."""
    centre = await centre_actor(session)
    if centre is None:
        return
    found = await _announce_of(session, centre, object_uri)
    if found is not None:
        fresh = {k: v for k, v in found.raw.items() if k != "proof"}
        found.raw = signed_activity({**fresh, "object": _embedded(doc)}, centre)


async def follower_inboxes(session: AsyncSession, obj: Object, author: Actor) -> list[str]:
    """The inboxes of the centre's followers, for an Update or Delete of an announced
    resource (empty for anything the centre does not announce)."""
    centre = await centre_actor(session)
    if centre is None or not announced(obj, author):
        return []
    return await inboxes(session, centre, [centre.followers_url])


async def _announce_of(session: AsyncSession, centre: Actor, object_uri: str) -> Activity | None:
    result = await session.execute(
        select(Activity)
        .where(
            Activity.object_uri == object_uri,
            Activity.type == "Announce",
            Activity.actor_uri == centre.uri,
            Activity.is_local.is_(True),
        )
        .limit(1)
    )
    return result.scalar_one_or_none()


async def announce_missing(session: AsyncSession, urls: Urls) -> int:
    """Announce every public resource of the centre's trainers that the centre has not
    announced yet (those published before the centre announced anything): queued for the
    centre's followers and served by its outbox. Idempotent; returns how many."""
    centre = await centre_actor(session)
    if centre is None:
        return 0
    done = select(Activity.object_uri).where(
        Activity.actor_uri == centre.uri,
        Activity.type == "Announce",
        Activity.is_local.is_(True),
        Activity.object_uri.is_not(None),
    )
    rows = await session.execute(
        select(Object, Actor)
        .join(Actor, Actor.id == Object.actor_id)
        .where(
            Object.is_local.is_(True),
            Object.type == "LearningResource",
            Object.visibility == "public",
            Object.deleted_at.is_(None),
            Object.uri.not_in(done),
        )
        .order_by(Object.published, Object.id)  # oldest first: the outbox stays newest first
    )
    count = 0
    for obj, author in rows:
        if obj.raw and await announce_resource(session, urls, obj, author, obj.raw):
            count += 1
    return count


def _embedded(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "@context"}
