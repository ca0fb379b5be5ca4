"""Who gets an activity: the unique inboxes behind its addressing.

Followers collapse to one shared inbox per host when the host has one; local actors are not
delivered to over HTTP; blocked hosts never receive anything.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.jsonld import is_public
from compagnon.federation.urls import host_of
from compagnon.storage.models import Actor
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import follows, peers


def inbox_for(actor: Actor) -> str:
    return actor.shared_inbox or actor.inbox


async def inboxes(session: AsyncSession, sender: Actor, addressed: list[str]) -> list[str]:
    """The inboxes for an activity addressed to `addressed` (to + cc ids)."""
    targets: list[Actor] = []
    for uri in addressed:
        if is_public(uri):
            continue
        if uri == sender.followers_url:
            targets.extend(await follows.followers(session, sender.id))
            continue
        actor = await actor_queries.by_uri(session, uri)
        if actor is not None:
            targets.append(actor)
    blocked = await peers.blocked_hosts(session)
    # allowlist-only mode: only the listed hosts get anything
    allowed = await peers.allowed_hosts(session) if await peers.allowlist_only(session) else None
    found = {
        inbox_for(actor)
        for actor in targets
        if not actor.is_local
        and actor.gone_at is None
        and host_of(actor.inbox) not in blocked
        and (allowed is None or host_of(actor.inbox) in allowed)
    }
    return sorted(found)
