"""Reactions to a post: `Like`, `Announce` (a boost; from a centre or a relay it also brings
the announced object, inbox/announces.py) and Pleroma's `EmojiReact`, each recorded once
against the object, its author notified; an `Undo` of each is handled in handlers.py."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from compagnon.federation import social
from compagnon.federation.as_types import (
    has_type,
)
from compagnon.federation.inbox import announces
from compagnon.federation.inbox.handling import Handling, Ignored
from compagnon.federation.jsonld import first_id
from compagnon.storage.models import Activity, Reaction
from compagnon.storage.queries import relays

log = logging.getLogger(__name__)


def _reacted_to(activity: dict[str, Any]) -> str | None:
    """What a Like/Announce is about. A group (Lemmy) announces the activity that created the
    post, not the post: the boost is of the post inside it."""
    obj = activity.get("object")
    if isinstance(obj, dict) and has_type(obj, "Create", "Update"):
        inner = first_id(obj.get("object"))
        if inner:
            return inner
    return first_id(obj)


# Reactions a local author hears of (notifications.py kinds).
NOTIFIED_REACTIONS = {"like": "like", "announce": "share"}


async def _record_reaction(h: Handling, kind: str, target: str, activity_uri: str) -> None:
    if not target:
        raise Ignored(f"{kind} of nothing")
    # Deliveries run side by side: a share and its Undo sent a moment apart may arrive in
    # either order. The Undo is kept as every accepted activity is, so it still counts.
    undone = await h.session.scalar(
        select(Activity.id)
        .where(
            Activity.object_uri == activity_uri,
            Activity.type == "Undo",
            Activity.actor_uri == h.sender.uri,
        )
        .limit(1)
    )
    if undone is not None:
        raise Ignored(f"{kind} undone before it arrived")
    existing = await h.session.scalar(
        select(Reaction.id).where(Reaction.activity_uri == activity_uri)
    )
    if existing is None:
        h.session.add(
            Reaction(kind=kind, actor_id=h.sender.id, object_uri=target, activity_uri=activity_uri)
        )
        if kind in NOTIFIED_REACTIONS:
            await social.notify_reaction(h.session, NOTIFIED_REACTIONS[kind], h.sender, target)


async def _react(h: Handling, activity: dict[str, Any], kind: str) -> None:
    await _record_reaction(h, kind, _reacted_to(activity) or "", activity["id"])


async def on_like(h: Handling, activity: dict[str, Any]) -> None:
    await _react(h, activity, "like")


async def on_announce(h: Handling, activity: dict[str, Any]) -> None:
    """A boost, recorded as a reaction; and, from an actor someone here follows (a centre
    announcing its trainers' resources), the announced object is stored (inbox/announces.py)."""
    await _react(h, activity, "announce")
    # Through a relay: its own Announce, or (Mastodon style) a member's Announce it forwarded
    # with its signature, which a node subscribed that way takes like any relayed post.
    from_relay = await relays.is_relay_we_follow(h.session, h.sender.uri)
    relayed = await relays.any_accepted(h.session, "mastodon")
    try:
        stored = await announces.import_announced(
            h.session, h.ctx, h.sender, activity, from_relay=from_relay, relayed=relayed
        )
    except announces.NotImported as exc:
        log.info("Announce %s: %s", activity.get("id"), exc)
        return
    await social.notify_created(h.session, stored)


async def on_emoji_react(h: Handling, activity: dict[str, Any]) -> None:
    """Pleroma/Akkoma's EmojiReact: recorded as a reaction of kind "react" (the emoji itself is
    the raw activity's ``content``). An Undo removes it like any reaction."""
    await _react(h, activity, "react")
