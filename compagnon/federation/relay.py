"""The aggregator as a relay (FEP-ae0c), in both styles, for its members.

An aggregator (`node_kind = "aggregator"`) serves a relay actor of type `Application` at
`/relay` (its inbox is the node's shared inbox). Subscribing:

- **LitePub** (Pleroma, Akkoma): a `Follow` whose object is the relay actor (or its
  followers collection). The subscriber gets an `Announce` by the relay of each object
  relayed (the object by id, as LitePub relays send it), and the signed originals of Updates
  and Deletes.
- **Mastodon**: a `Follow` whose object is `as:Public`, sent to the relay's inbox. The
  subscriber gets the members' activities forwarded as they were received, with their own
  signature (an FEP-8b32 `proof` or an LD `signature`), the HTTP signature being the relay's;
  an unsigned Create or Announce is handed on as the relay's `Announce` instead.

Both are answered with an `Accept` from the relay actor; an `Undo` of the Follow ends the
subscription. What is relayed: public Create, Update, Delete and Announce activities the
aggregator received from its members (hosts of actors its accounts follow: the centres; and
its relay subscribers), never back to the host they came from, each object once.

Nothing here sends: the relay's activities are delivery rows (publish.send, deliveries).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.accounts import create_local_actor
from compagnon.federation.as_types import has_type, types_of
from compagnon.federation.convert import wrap
from compagnon.federation.jsonld import AS_PUBLIC, audience, first_id, is_public
from compagnon.federation.outbox.recipients import inbox_for
from compagnon.federation.urls import Urls, host_of
from compagnon.storage.models import Activity, Actor
from compagnon.storage.queries import activities, deliveries, relays
from compagnon.storage.queries import actors as actor_queries

log = logging.getLogger(__name__)
RELAY_USERNAME = "relay"
RELAYED_TYPES = ("Create", "Update", "Delete", "Announce")


def relay_uri(urls: Urls) -> str:
    return f"{urls.base}/relay"


async def relay_actor(session: AsyncSession, urls: Urls, *, create: bool = False) -> Actor | None:
    """The relay actor (made on first use: a node that never relays holds no key for it)."""
    found = await actor_queries.by_uri(session, relay_uri(urls))
    if found is not None or not create:
        return found
    actor = await create_local_actor(
        session,
        urls,
        RELAY_USERNAME,
        "Application",
        "Relay",
        "Hands on the public catalogue of this aggregator's member centres (FEP-ae0c).",
    )
    uri = relay_uri(urls)
    actor.uri, actor.url, actor.public_key_id = uri, uri, urls.key_id(uri)
    actor.inbox = urls.shared_inbox
    actor.outbox = ""  # nothing to sync: a relay hands on as things happen
    actor.followers_url, actor.following_url = f"{uri}/followers", f"{uri}/following"
    await session.flush()
    return actor


def subscription_style(target: str | None, relay: Actor) -> str | None:
    """The style a Follow's object asks for, or None when it is no relay subscription."""
    if target is None:
        return None
    if is_public(target):
        return "mastodon"
    if target in (relay.uri, relay.followers_url):
        return "litepub"
    return None


async def answer_subscription(
    session: AsyncSession, urls: Urls, sender: Actor, follow: dict[str, Any]
) -> bool:
    """A Follow of the relay (either style): the sender becomes a subscriber and gets the
    relay's Accept. False when the Follow is not for the relay."""
    from compagnon.federation.outbox.publish import answer_follow

    target = first_id(follow.get("object"))
    relay = await relay_actor(session, urls, create=True)
    assert relay is not None
    style = subscription_style(target, relay)
    if style is None:
        return False
    await relays.add_subscriber(session, sender.id, style, follow["id"])
    await answer_follow(session, urls, relay, sender, follow, accept=True)
    return True


async def end_subscription(session: AsyncSession, urls: Urls, sender: Actor) -> bool:
    relay = await relay_actor(session, urls)
    if relay is None:
        return False
    return await relays.remove_subscriber(session, sender.id)


def _signed(raw: dict[str, Any]) -> bool:
    """Carries its own signature, so a subscriber can check it whoever delivers it."""
    return isinstance(raw.get("proof"), dict | list) or isinstance(raw.get("signature"), dict)


def _relayed_object(raw: dict[str, Any]) -> str | None:
    """The object an activity is about (for an Announce of a Create, the Create's object)."""
    obj = raw.get("object")
    if isinstance(obj, dict) and has_type(obj, "Create"):
        return first_id(obj.get("object"))
    return first_id(obj)


def _forward_uri(relay: Actor, activity_id: str) -> str:
    return f"{relay.uri}/forwarded/{hashlib.sha256(activity_id.encode()).hexdigest()[:40]}"


async def hand_on(
    session: AsyncSession, urls: Urls, received: Sequence[tuple[Actor | None, dict[str, Any]]]
) -> int:
    """Queue to the relay's subscribers what members sent us (activities applied without
    error, in the worker's transaction). Returns how many activities were relayed."""
    relay = await relay_actor(session, urls)
    if relay is None or not received:
        return 0
    subscribed = await relays.subscribers(session)
    if not subscribed:
        return 0
    members = await relays.member_hosts(session)
    count = 0
    for sender, raw in received:
        if sender is None or sender.is_local or host_of(sender.uri) not in members:
            continue
        kind = next((t for t in types_of(raw.get("type")) if t in RELAYED_TYPES), None)
        if kind is None or not isinstance(raw.get("id"), str):
            continue
        if kind != "Delete" and not any(is_public(a) for a in audience(raw)):
            continue
        targets = [(s.style, inbox_for(a)) for s, a in subscribed if a.domain != sender.domain]
        if targets and await _relay_one(session, urls, relay, kind, raw, targets):
            count += 1
    return count


async def _relay_one(
    session: AsyncSession,
    urls: Urls,
    relay: Actor,
    kind: str,
    raw: dict[str, Any],
    targets: list[tuple[str, str]],
) -> bool:
    from compagnon.federation.outbox.publish import send

    forward_to = sorted(
        {
            inbox
            for style, inbox in targets
            if _signed(raw) and (style == "mastodon" or kind in ("Update", "Delete"))
        }
    )
    # Mastodon checks only LD signatures on what a relay forwards: without one, a Mastodon
    # subscriber gets the relay's Announce as well (a Compagnon one takes the proof, and the
    # Announce then finds the object held).
    ld_signed = isinstance(raw.get("signature"), dict)
    announce_to = sorted(
        {
            inbox
            for style, inbox in targets
            if kind in ("Create", "Announce") and (inbox not in forward_to or not ld_signed)
        }
    )
    relayed = False
    if forward_to and await activities.by_uri(session, _forward_uri(relay, raw["id"])) is None:
        forward = await activities.add_local(
            session, _forward_uri(relay, raw["id"]), "Forward", relay.uri, None, raw
        )
        await deliveries.enqueue(session, forward.id, forward_to, None)
        relayed = True
    target = _relayed_object(raw)
    if announce_to and target and not await _announced(session, relay, target):
        recipients = {"to": [AS_PUBLIC], "cc": [relay.followers_url]}
        doc = wrap("Announce", urls.new_activity(), relay.uri, target, recipients)
        await send(session, relay, doc, extra_inboxes=announce_to, object_uri=target)
        relayed = True
    return relayed


async def _announced(session: AsyncSession, relay: Actor, object_uri: str) -> bool:
    found = await session.scalar(
        select(Activity.id).where(
            Activity.actor_uri == relay.uri,
            Activity.type == "Announce",
            Activity.object_uri == object_uri,
        )
    )
    return found is not None


async def relay_document(session: AsyncSession, urls: Urls) -> Actor:
    relay = await relay_actor(session, urls, create=True)
    assert relay is not None
    return relay
