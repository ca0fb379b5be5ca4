"""Subscribing this node to a relay (FEP-ae0c), as the instance actor, in either style.

- `litepub`: the relay's actor URL is given; the instance actor follows the relay actor (a
  `Follow` row like any follow, so its Accept is the usual one).
- `mastodon`: the relay's inbox URL is given; a `Follow` of `as:Public` goes to it. The
  relay's `Accept` (answering that Follow's id) names the relay actor, kept on the row.

What the relay then sends is applied as anything received: forwarded originals verify by their
own proof; the relay's Announces bring the object (inbox/announces.py, `relayed`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.safe_urls import http_url
from compagnon.federation.context import FederationContext
from compagnon.federation.convert import wrap
from compagnon.federation.jsonld import AS_PUBLIC, first_id
from compagnon.federation.outbox import publish
from compagnon.federation.urls import Urls
from compagnon.storage.models import Actor, RelaySubscription
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import relays

STYLES = relays.STYLES


class RelayError(Exception):
    """The subscription cannot be made; the message says why."""


async def subscribe_mastodon(
    session: AsyncSession, urls: Urls, inbox_url: str
) -> RelaySubscription:
    """Queue a Follow of as:Public to a Mastodon-style relay's inbox."""
    if http_url(inbox_url) is None:
        raise RelayError(f"{inbox_url[:200]} is not an http(s) URL")
    instance = await _instance(session, urls)
    follow_uri = urls.new_activity()
    doc = wrap("Follow", follow_uri, instance.uri, AS_PUBLIC, {"to": [AS_PUBLIC]})
    await publish.send(session, instance, doc, extra_inboxes=[inbox_url])
    return await relays.add_subscription(session, inbox_url, "mastodon", follow_uri)


async def subscribe_litepub(session: AsyncSession, urls: Urls, relay: Actor) -> RelaySubscription:
    """Follow a LitePub-style relay actor (fetched by the caller)."""
    instance = await _instance(session, urls)
    row = await publish.follow(session, urls, instance, relay)
    found = await relays.add_subscription(session, relay.uri, "litepub", row.activity_uri)
    found.relay_actor_uri = relay.uri
    return found


async def unsubscribe(session: AsyncSession, urls: Urls, relay_uri: str) -> bool:
    found = await relays.subscription_by_uri(session, relay_uri)
    if found is None:
        return False
    instance = await _instance(session, urls)
    if found.style == "litepub":
        relay = await actor_queries.by_uri(session, found.relay_actor_uri or relay_uri)
        if relay is not None:
            await publish.unfollow(session, urls, instance, relay)
    else:
        original = wrap("Follow", found.follow_activity_uri, instance.uri, AS_PUBLIC)
        original.pop("@context")
        undo = wrap("Undo", urls.new_activity(), instance.uri, original, {"to": [AS_PUBLIC]})
        await publish.send(session, instance, undo, extra_inboxes=[relay_uri])
    await session.delete(found)
    return True


async def accepted(session: AsyncSession, sender: Actor, activity: dict[str, Any]) -> bool:
    """An Accept of one of our relay Follows: the subscription is on, and the relay actor
    known. False when the Accept answers something else."""
    answered = first_id(activity.get("object"))
    found = await relays.subscription_by_follow(session, answered or "")
    if found is None:
        return False
    found.state = "accepted"
    found.relay_actor_uri = sender.uri
    return found.style == "mastodon"  # a LitePub one goes on as an ordinary follow


async def subscribe(ctx: FederationContext, url: str, style: str) -> RelaySubscription:
    """Subscribe in either style (the relay actor is fetched for LitePub); one transaction."""
    from compagnon.federation.resolver import ResolveError, Resolver

    if style not in STYLES:
        raise RelayError("style must be litepub or mastodon")
    if style == "mastodon":
        async with ctx.sessions.begin() as session:
            return await subscribe_mastodon(session, ctx.urls, url)
    try:
        found = await Resolver(ctx).find(url)
    except ResolveError as exc:
        raise RelayError(str(exc)) from None
    async with ctx.sessions.begin() as session:
        relay = await session.get(Actor, found.id)
        assert relay is not None
        return await subscribe_litepub(session, ctx.urls, relay)


async def _instance(session: AsyncSession, urls: Urls) -> Actor:
    instance = await actor_queries.by_uri(session, urls.instance_actor)
    if instance is None:
        raise RelayError("the instance actor is missing: run `compagnon init`")
    return instance
