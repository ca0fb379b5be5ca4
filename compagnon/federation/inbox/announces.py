"""What an Announce brings: the announced post or resource, for the node's followers of the
announcer (a centre handing on its trainers' resources, a relay handing on its members').

The object is taken as embedded when it is on the announcer's host (the announcer's host
vouches for it, as catalogue sync trusts an outbox); otherwise it is fetched from its own
URL (fetch.py checks that the id is the URL, so its host vouches). Its author is an actor of
the object's host, fetched when not held. Run by the worker inside the Announce's
transaction, like a Move's fetch: Announces worth importing are few.
"""

from __future__ import annotations

import logging
from typing import Any

from compagnon.domain.safe_urls import http_url, same_origin
from compagnon.federation import fetch
from compagnon.federation.actor_convert import actor_fields_from_document
from compagnon.federation.actor_store import store_remote_actor
from compagnon.federation.as_types import has_type, is_post_like, is_stored_collection
from compagnon.federation.convert import is_poll_vote, visibility_of
from compagnon.federation.ingest import Incoming, Stored, store_remote_objects
from compagnon.federation.jsonld import first_id
from compagnon.federation.sanitize import sanitize_html
from compagnon.storage.models import Actor
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries import objects as object_queries

log = logging.getLogger(__name__)
MAX_ID_LENGTH = 2048


class NotImported(Exception):
    """The announced object is not stored; the message says why."""


async def import_announced(
    session: Any,
    ctx: Any,
    sender: Actor,
    activity: dict[str, Any],
    *,
    from_relay: bool = False,
    relayed: bool = False,
) -> list[Stored]:
    """Store the object an Announce hands on, when someone here follows the announcer, or it
    comes through a relay: `from_relay`, the sender is a relay this node subscribed to;
    `relayed`, a member's Announce a Mastodon-style relay forwarded. Returns what was
    stored."""
    relayed = relayed or from_relay
    followed = bool(await follow_queries.local_followers_of(session, sender.id))
    if not relayed and not followed:
        return []
    obj = activity.get("object")
    if isinstance(obj, dict) and has_type(obj, "Create", "Update", "Announce"):
        return []  # an activity handed on (a group's boost): the reaction is what counts
    uri = first_id(obj)
    if not uri or len(uri) > MAX_ID_LENGTH or http_url(uri) is None:
        raise NotImported("the announced object has no usable id")
    if await object_queries.by_uri(session, uri) is not None:
        return []  # held already (or deleted: a tombstone keeps it out)
    if isinstance(obj, dict) and same_origin(uri, sender.uri):
        doc = obj
    else:
        try:
            doc = await ctx.fetch_signed(uri)
        except fetch.FetchError as exc:
            raise NotImported(f"the announced object cannot be fetched: {exc}") from exc
    owner = first_id(doc.get("attributedTo")) or ""
    if not owner or len(owner) > MAX_ID_LENGTH or not same_origin(owner, uri):
        raise NotImported("the announced object is not by an actor of its host")
    if not is_post_like(doc) and not is_stored_collection(doc):
        raise NotImported("the announced object is not a post")
    if is_poll_vote(doc):
        raise NotImported("the announced object is a poll vote")
    author = await _author(session, ctx, owner)
    if visibility_of(doc, author.followers_url) not in ("public", "unlisted"):
        raise NotImported("the announced object is not public")
    route = "relay" if from_relay or not followed else "centre"  # provenance
    return await store_remote_objects(session, [Incoming(author, doc, route, sender.uri)])


async def _author(session: Any, ctx: Any, uri: str) -> Actor:
    cached = await actor_queries.by_uri(session, uri)
    if cached is not None:
        return cached
    try:
        fields = actor_fields_from_document(await ctx.fetch_signed(uri))
    except (fetch.FetchError, ValueError) as exc:
        raise NotImported(f"the author {uri[:200]} cannot be fetched: {exc}") from exc
    if fields.get("uri") != uri:
        raise NotImported("the author's document names another actor")
    fields["summary"] = sanitize_html(fields["summary"])
    return await store_remote_actor(session, fields)
