"""One handler per activity type, registered in HANDLERS. Run by the worker, idempotently:
running a handler twice on the same activity leaves the same state as running it once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.safe_urls import http_url, same_origin
from compagnon.federation import fetch, relay, relay_client, social
from compagnon.federation.actor_convert import actor_fields_from_document
from compagnon.federation.actor_store import store_remote_actor
from compagnon.federation.as_types import (
    has_type,
    is_post_like,
    is_stored_collection,
    shown_type,
    types_of,
)
from compagnon.federation.context import FederationContext
from compagnon.federation.convert import is_poll_vote, object_fields_from_note, parse_time
from compagnon.federation.inbox import collections as collection_handlers
from compagnon.federation.inbox import events as event_answers
from compagnon.federation.inbox import quiz as quiz_inbox
from compagnon.federation.inbox.handling import Handler, Handling, Ignored
from compagnon.federation.inbox.reactions import on_announce, on_emoji_react, on_like
from compagnon.federation.ingest import (
    Incoming,
    Stored,
    store_collection_items,
    store_remote_objects,
)
from compagnon.federation.jsonld import first_id, ids
from compagnon.federation.lineage import record as record_lineage
from compagnon.federation.outbox import publish
from compagnon.federation.poll_end import newly_closed, notify_ended
from compagnon.federation.sanitize import html_to_text, sanitize_html
from compagnon.federation.search_index import forget, index_stored
from compagnon.federation.urls import host_of
from compagnon.storage.models import Actor, Object, Reaction, Report, utcnow
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries import provenance, relays, status_edits, sync_jobs
from compagnon.storage.queries.notifications import notify, notify_edited

log = logging.getLogger(__name__)


async def _local_actor(h: Handling, uri: str | None) -> Actor:
    actor = await actor_queries.by_uri(h.session, uri) if uri else None
    if actor is None or not actor.is_local:
        raise Ignored(f"{uri} is not an actor of this node")
    return actor


async def on_follow(h: Handling, activity: dict[str, Any]) -> None:
    if h.ctx.settings.is_aggregator and await relay.answer_subscription(
        h.session, h.ctx.urls, h.sender, activity
    ):
        return  # a node subscribing to our relay (federation/relay.py)
    local = await _local_actor(h, first_id(activity.get("object")))
    existing = await follow_queries.get(h.session, h.sender.id, local.id)
    if existing is not None and existing.activity_uri == activity["id"]:
        return  # handled before
    state = "pending" if local.manually_approves_followers else "accepted"
    await follow_queries.upsert(h.session, h.sender.id, local.id, activity["id"], state)
    kind = "follow_request" if state == "pending" else "follow"
    await notify(h.session, local.id, kind, h.sender, None)
    if state == "accepted":
        await publish.answer_follow(h.session, h.ctx.urls, local, h.sender, activity, accept=True)


async def _our_follow_answered(h: Handling, activity: dict[str, Any]) -> tuple[Actor, Any]:
    obj = activity.get("object")
    follow = await follow_queries.by_activity(h.session, first_id(obj) or "")
    if follow is not None and follow.followee_id == h.sender.id:
        follower = await h.session.get(Actor, follow.follower_id)
        if follower is not None:
            return follower, follow
    if isinstance(obj, dict) and first_id(obj.get("object")) == h.sender.uri:
        follower = await _local_actor(h, first_id(obj.get("actor")))
        return follower, await follow_queries.get(h.session, follower.id, h.sender.id)
    raise Ignored("answers no Follow of ours")


async def on_accept(h: Handling, activity: dict[str, Any]) -> None:
    if await event_answers.answered_event(h, activity):  # going to an event (inbox/events.py)
        return
    if await relay_client.accepted(h.session, h.sender, activity):  # a relay we subscribed to
        return
    _, follow = await _our_follow_answered(h, activity)
    if follow is None:
        raise Ignored("the Follow was withdrawn meanwhile")
    follow.state = "accepted"
    # Sync on follow: what the peer published before we followed comes from its outbox (the
    # worker pages through it); from now on its Creates, Updates and Deletes keep us current.
    if h.sender.outbox:
        limits = sync_jobs.SyncLimits.of(h.ctx.settings)  # a job stopped at a limit stays so
        await sync_jobs.queue(h.session, h.sender.id, h.sender.outbox, limits=limits)


async def on_reject(h: Handling, activity: dict[str, Any]) -> None:
    if await event_answers.answered_event(h, activity):  # not going, or an event full
        return
    follower, _ = await _our_follow_answered(h, activity)
    await follow_queries.remove(h.session, follower.id, h.sender.id)


async def on_undo(h: Handling, activity: dict[str, Any]) -> None:
    if await event_answers.undone_answer(h, activity):  # an answer to an event withdrawn
        return
    obj = activity.get("object")
    untyped = not isinstance(obj, dict) or not types_of(obj.get("type"))
    inner_id = first_id(obj) or ""
    if has_type(obj, "Follow") or (
        untyped and await follow_queries.by_activity(h.session, inner_id)
    ):
        target = first_id(obj.get("object")) if isinstance(obj, dict) else None
        follow = await follow_queries.by_activity(h.session, inner_id)
        if (
            follow is None
            and h.ctx.settings.is_aggregator
            and await relay.end_subscription(h.session, h.ctx.urls, h.sender)
        ):
            return  # a node leaving our relay
        followee_id = follow.followee_id if follow else (await _local_actor(h, target)).id
        await follow_queries.remove(h.session, h.sender.id, followee_id)
        return
    result = await h.session.execute(
        delete(Reaction).where(Reaction.activity_uri == inner_id, Reaction.actor_id == h.sender.id)
    )
    if not getattr(result, "rowcount", 0):
        raise Ignored("nothing to undo")


async def _object_doc(h: Handling, activity: dict[str, Any]) -> dict[str, Any]:
    return _checked_object(h, activity.get("object"))


def _checked_object(h: Handling, obj: Any) -> dict[str, Any]:
    """An embedded object of the sender's: on its host, attributed to it (or to no one)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise Ignored("the object must be embedded with an id")
    if http_url(obj["id"]) is None:
        raise Ignored("the object id is not an http(s) URL")
    if not same_origin(obj["id"], h.sender.uri):
        raise Ignored("the object is not on the sender's host")
    owner = first_id(obj.get("attributedTo")) or first_id(obj.get("actor"))
    if owner is not None and owner != h.sender.uri:
        raise Ignored("the object is attributed to someone else")
    return obj


async def on_create(h: Handling, activity: dict[str, Any]) -> None:
    ((outcome, kept_some),) = await _create_many(h.ctx, h.session, [(h.sender, activity)])
    if outcome is not None and not kept_some:
        raise Ignored(outcome)
    if outcome is not None:  # raising would roll back the objects that were kept
        log.info("Create %s: %s", activity.get("id"), outcome)


async def on_create_many(
    ctx: FederationContext, session: AsyncSession, received: list[tuple[Actor, dict[str, Any]]]
) -> list[str | None]:
    """Creates in bulk (most of what a node receives): each checked on its own, the posts and
    resources stored together (ingest.py). Returns per activity None, or why it was ignored
    (for a list of objects, how many were not stored and why)."""
    return [outcome for outcome, _ in await _create_many(ctx, session, received)]


async def _create_many(
    ctx: FederationContext, session: AsyncSession, received: list[tuple[Actor, dict[str, Any]]]
) -> list[tuple[str | None, bool]]:
    """(why not everything was stored or None, whether anything was kept) per activity."""
    outcomes: list[tuple[str | None, bool]] = []
    incoming: list[Incoming] = []
    # Provenance: on a node subscribed to a Mastodon-style relay, a Create from an actor
    # nobody here follows came through the relay (the inbox keeps no trace of who delivered).
    relay_on = await relays.any_accepted(session, "mastodon")
    routes: dict[int, str] = {}
    for sender, activity in received:
        h = Handling(ctx, session, sender)
        if relay_on and sender.id not in routes:
            followed = await follow_queries.local_followers_of(session, sender.id)
            routes[sender.id] = "direct" if followed else "relay"
        objects = activity.get("object")
        # A Create may bring several objects (AS2 allows a list): each is checked as a single
        # one would be, the good ones stored, the others counted with the first reason.
        many = objects if isinstance(objects, list) and objects else [objects]
        refused: list[str] = []
        for obj in many:
            try:
                await _created(h, activity, obj, incoming, routes.get(sender.id, "direct"))
            except Ignored as exc:
                refused.append(str(exc))
        kept_some = len(refused) < len(many)
        if not refused:
            outcomes.append((None, True))
        elif len(many) == 1:
            outcomes.append((refused[0], False))
        else:
            reason = f"{len(refused)} of {len(many)} objects not stored: {refused[0]}"
            outcomes.append((reason, kept_some))
    await social.notify_created(session, await store_remote_objects(session, incoming))
    return outcomes


async def _created(
    h: Handling, activity: dict[str, Any], obj: Any, incoming: list[Incoming], route: str
) -> None:
    """One object of a Create: a post to store (added to `incoming`), a poll vote, or
    Ignored with the reason."""
    doc = _checked_object(h, obj)
    if not is_post_like(doc) and not is_stored_collection(doc):
        raise Ignored(f"a Create of a {shown_type(doc)} is not a post: not stored")
    if is_poll_vote(doc):
        # Not a post: a vote for one option of one of our Questions (inbox/quiz.py).
        refused = await quiz_inbox.record_vote(
            h.session, h.sender, activity, doc, now=utcnow(), settings=h.ctx.settings
        )
        if refused:
            raise Ignored(refused)
    else:
        incoming.append(Incoming(h.sender, doc, route))


EDITABLE = ("content", "contentMap", "summary", "name", "nameMap", "sensitive", "attachment")


def _edited(held: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether an Update changes what a person reads; a poll's Update carrying new counts
    (Mastodon sends one per vote) or its closing edits nothing."""
    return any(held.get(key) != doc.get(key) for key in EDITABLE)


async def on_update(h: Handling, activity: dict[str, Any]) -> None:
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("id") == h.sender.uri:
        fields = actor_fields_from_document(obj)
        fields["summary"] = sanitize_html(fields["summary"])
        await store_remote_actor(h.session, fields)
        h.ctx.keys.forget_owner(h.sender.uri)  # a rotated key stops verifying now
        return
    doc = await _object_doc(h, activity)
    stored = await object_queries.by_uri(h.session, doc["id"])
    if stored is None or stored.actor_id != h.sender.id:
        raise Ignored("update of an object we do not hold")
    if stored.deleted_at is not None:
        raise Ignored("update of a deleted object")
    if _older_than_held(doc, stored):
        # Deliveries run side by side and are retried: an earlier edit may arrive last.
        raise Ignored("update older than the version held")
    fields = object_fields_from_note(doc, h.sender.followers_url)
    new = status_edits.Version(
        sanitize_html(fields["content"]),
        sanitize_html(fields["summary"]),
        fields["name"] or "",
        doc.get("sensitive") is True,
    )
    await status_edits.keep_version(h.session, stored, new)  # the version replaced
    stored.content, stored.summary, stored.name = new.content, new.summary, new.name
    stored.language = fields["language"] or stored.language
    stored.recipients = {**(stored.recipients or {}), "tag": fields["recipients"]["tag"]}
    stored.updated = fields["updated"] or utcnow()
    ended = stored.type == "Question" and newly_closed(stored.raw, doc)
    edited = _edited(stored.raw or {}, doc)
    stored.raw = doc
    if ended:
        await notify_ended(h.session, stored, h.sender)
    if edited:
        await notify_edited(h.session, stored.uri, h.sender.id)
    await provenance.seen_again(h.session, [stored.uri])
    await index_stored(h.session, [stored])  # the new description and facets replace the old
    await record_lineage(h.session, [(stored.id, doc)])  # and the sources it names now
    await store_collection_items(h.session, [Stored(stored.id, stored.uri, h.sender.id, doc)])


def _older_than_held(doc: dict[str, Any], stored: Object) -> bool:
    """The document's `updated` is before the one of the version held (both the sender's
    clock); without either, the update is applied."""
    held = parse_time((stored.raw or {}).get("updated"))
    given = parse_time(doc.get("updated"))
    return held is not None and given is not None and given < held


async def on_delete(h: Handling, activity: dict[str, Any]) -> None:
    target = first_id(activity.get("object")) or ""
    if target == h.sender.uri:
        h.sender.gone_at = utcnow()
        h.ctx.keys.forget_owner(h.sender.uri)
        return
    if host_of(target) != host_of(h.sender.uri):
        raise Ignored("delete of an object on another host")
    stored = await object_queries.by_uri(h.session, target)
    if stored is None:
        # Remember the tombstone so a late or replayed Create cannot bring it back.
        await object_queries.add(
            h.session,
            uri=target,
            type="Tombstone",
            actor_id=h.sender.id,
            is_local=False,
            deleted_at=utcnow(),
            recipients={},
        )
        return
    if stored.actor_id != h.sender.id:
        raise Ignored("delete of someone else's object")
    await forget(h.session, [stored])
    _tombstone(stored)


def _tombstone(obj: Object) -> None:
    obj.deleted_at = obj.deleted_at or utcnow()
    obj.content = ""
    obj.summary = ""
    obj.raw = None


async def on_move(h: Handling, activity: dict[str, Any]) -> None:
    """Account migration (Mastodon, GoToSocial, Fedify): the sender moved to ``target``.

    Checked as Mastodon does: the sender moves itself, and the target names the sender in
    ``alsoKnownAs`` (the target is fetched, or read from the cache when the fetch fails).
    Then the move is recorded on the old account (``movedTo`` in its stored document, as its
    server now publishes it) and each of our users who followed it follows the target
    instead (Follow sent to the target, Undo to the old account)."""
    mover = first_id(activity.get("object"))
    target = first_id(activity.get("target"))
    if mover != h.sender.uri:
        raise Ignored("a Move of an account other than the sender")
    if not target or target == mover or not target.startswith(("https://", "http://")):
        raise Ignored("a Move without a usable target")
    new = await _moved_to(h, target)
    if mover not in ids(new.raw.get("alsoKnownAs") if new.raw else None):
        raise Ignored(f"{target} does not name {mover} in alsoKnownAs")
    if new.gone_at is not None or new.id == h.sender.id:
        raise Ignored("the target account is gone")
    h.sender.raw = {**(h.sender.raw or {}), "movedTo": target}
    for follower_id in await follow_queries.local_followers_of(h.session, h.sender.id):
        follower = await h.session.get(Actor, follower_id)
        if follower is None:
            continue
        if await follow_queries.get(h.session, follower.id, new.id) is None:
            await publish.follow(h.session, h.ctx.urls, follower, new)
        await publish.unfollow(h.session, h.ctx.urls, follower, h.sender)


async def _moved_to(h: Handling, target: str) -> Actor:
    """The Move's target: fetched fresh (its alsoKnownAs is what proves the move), stored; the
    cached copy when it cannot be fetched now. The fetch runs inside the handler's transaction
    (bounded by the fetch timeouts); Moves are rare enough for that."""
    cached = await actor_queries.by_uri(h.session, target)
    try:
        doc = await h.ctx.fetch_signed(target)
        fields = actor_fields_from_document(doc)
    except (fetch.FetchError, ValueError) as exc:
        if cached is None:
            raise Ignored(f"the target {target} cannot be fetched: {exc}") from exc
        log.info("Move target %s not refetched (%s): using the cached copy", target, exc)
        return cached
    if cached is not None and cached.is_local:
        return cached
    fields["summary"] = sanitize_html(fields["summary"])
    return await store_remote_actor(h.session, fields)


async def on_flag(h: Handling, activity: dict[str, Any]) -> None:
    """A report for our moderators: kept when it names accounts or posts of this node."""
    ours = [uri for uri in ids(activity.get("object")) if h.ctx.urls.is_ours(uri)]
    if not ours:
        raise Ignored("the report names nothing of this node")
    known = await h.session.scalar(select(Report.id).where(Report.activity_uri == activity["id"]))
    if known is None:
        comment = html_to_text(sanitize_html(str(activity.get("content") or "")))[:5000]
        h.session.add(
            Report(
                activity_uri=activity["id"],
                reporter_id=h.sender.id,
                targets={"uris": ours},
                comment=comment,
            )
        )


BatchHandler = Callable[
    [FederationContext, AsyncSession, list[tuple[Actor, dict[str, Any]]]],
    Awaitable[list[str | None]],
]

# Activity types whose handler also takes many activities at once. The worker applies a run
# of them together (a few statements for the run instead of a few per activity); one alone,
# or a run that failed, still goes through HANDLERS.
BATCH_HANDLERS: dict[str, BatchHandler] = {"Create": on_create_many}

HANDLERS: dict[str, Handler] = {
    "Follow": on_follow,
    "Accept": on_accept,
    "Reject": on_reject,
    "TentativeAccept": event_answers.on_tentative_accept,
    "Join": event_answers.on_join,
    "Leave": event_answers.on_leave,
    "Undo": on_undo,
    "Create": on_create,
    "Update": on_update,
    "Delete": on_delete,
    "Announce": on_announce,
    "Like": on_like,
    "EmojiReact": on_emoji_react,
    "Move": on_move,
    "Flag": on_flag,
    "Add": collection_handlers.on_add,
    "Remove": collection_handlers.on_remove,
}
