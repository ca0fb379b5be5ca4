"""Answers to events, received: `Accept` (going), `TentativeAccept` (maybe), `Reject` (not
going) whose object is an event we hold (by id, or embedded with type `Event`), and the
organiser's `Reject` of one of our trainers' answers (the event was full).

`answered_event` is what handlers.py's Accept and Reject handlers ask first; it returns
False for anything that is not about an event, and the Follow path goes on untouched.
"""

from __future__ import annotations

from typing import Any

from compagnon.domain.events import ACTIVITY_ANSWER, GOING, REFUSED
from compagnon.domain.safe_urls import same_origin
from compagnon.federation.as_types import activity_type, has_type
from compagnon.federation.inbox.handling import Handling, Ignored
from compagnon.federation.jsonld import first_id
from compagnon.federation.outbox import events as event_outbox
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import events as event_queries
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries.notifications import notify

ANSWER_TYPES = tuple(ACTIVITY_ANSWER)


async def _event(h: Handling, uri: str | None) -> Object | None:
    if not uri:
        return None
    found = await object_queries.by_uri(h.session, uri)
    return found if found is not None and found.type == "Event" else None


async def answered_event(h: Handling, activity: dict[str, Any]) -> bool:
    """Handle `activity` if it answers an event (or refuses our answer to one): True when it
    did (or raised Ignored), False when it is about something else."""
    obj = activity.get("object")
    if has_type(obj, *ANSWER_TYPES) and isinstance(obj, dict):
        answer = await event_queries.by_activity(h.session, first_id(obj) or "")
        if answer is None:
            return False  # not an answer of ours: perhaps a Follow's story
        await _refused(h, activity, answer.event_uri, answer.actor_id)
        return True
    event = await _event(h, first_id(obj))
    if event is None:
        if has_type(obj, "Event"):
            raise Ignored("an answer to an event we do not hold")
        return False
    await _answer(h, activity, event)
    return True


async def on_tentative_accept(h: Handling, activity: dict[str, Any]) -> None:
    if not await answered_event(h, activity):
        raise Ignored("a TentativeAccept of something other than an event we hold")


async def on_join(h: Handling, activity: dict[str, Any]) -> None:
    """Mobilizon's way to say "going": a `Join` of the event, answered by the organiser with
    `Accept` of the Join (a place is given) or `Reject` of it (the event is full)."""
    event = await _event(h, first_id(activity.get("object")))
    if event is None or not event.is_local:
        raise Ignored("a Join of something other than an event organised here")
    if event.deleted_at is not None:
        raise Ignored("a Join of a deleted event")
    known = await event_queries.answer_of(h.session, event.uri, h.sender.id)
    if known is not None and known.activity_uri == activity["id"]:
        return  # handled before
    organiser = await h.session.get(Actor, event.actor_id)
    full = await _full(h, event)
    state = REFUSED if full else GOING
    await event_queries.answer(h.session, event.uri, h.sender.id, state, activity["id"])
    await notify(h.session, event.actor_id, "attendance", h.sender, event.uri)
    if organiser is not None:
        reply = event_outbox.refuse_answer if full else event_outbox.confirm_join
        await reply(h.session, h.ctx.urls, organiser, h.sender, activity)


async def on_leave(h: Handling, activity: dict[str, Any]) -> None:
    """Mobilizon's `Leave` of an event: the sender no longer comes (its answer is removed)."""
    event = await _event(h, first_id(activity.get("object")))
    if event is None:
        raise Ignored("a Leave of something other than an event we hold")
    if not await event_queries.withdraw(h.session, event.uri, h.sender.id):
        raise Ignored("nothing to leave")


async def undone_answer(h: Handling, activity: dict[str, Any]) -> bool:
    """An `Undo` of the sender's answer (Accept / TentativeAccept / Reject / Join of an event
    we hold, embedded, as Friendica withdraws one): the answer is removed. False when the
    Undo is about something else."""
    inner = activity.get("object")
    if not has_type(inner, *ANSWER_TYPES, "Join") or not isinstance(inner, dict):
        return False
    event = await _event(h, first_id(inner.get("object")))
    if event is None:
        return False
    known = await event_queries.answer_of(h.session, event.uri, h.sender.id)
    if known is None or known.activity_uri != inner.get("id"):
        raise Ignored("an Undo of an answer that is not the sender's latest")
    await event_queries.withdraw(h.session, event.uri, h.sender.id)
    return True


async def _answer(h: Handling, activity: dict[str, Any], event: Object) -> None:
    if event.deleted_at is not None:
        raise Ignored("an answer to a deleted event")
    kind = activity_type(activity) or ""
    state = ACTIVITY_ANSWER.get(kind)
    if state is None:
        raise Ignored(f"a {kind} is not an answer to an event")
    known = await event_queries.answer_of(h.session, event.uri, h.sender.id)
    if known is not None and known.activity_uri == activity["id"]:
        return  # handled before
    if state == GOING and event.is_local and await _full(h, event):
        await event_queries.answer(h.session, event.uri, h.sender.id, REFUSED, activity["id"])
        organiser = await h.session.get(Actor, event.actor_id)
        if organiser is not None:
            await event_outbox.refuse_answer(h.session, h.ctx.urls, organiser, h.sender, activity)
        return
    await event_queries.answer(h.session, event.uri, h.sender.id, state, activity["id"])
    if event.is_local:  # the organiser hears of it (/notifications)
        await notify(h.session, event.actor_id, "attendance", h.sender, event.uri)


async def _full(h: Handling, event: Object) -> bool:
    times = await event_queries.times_of(h.session, event.id)
    if times is None or times.capacity is None:
        return False
    going = await event_queries.going_count(h.session, event.uri, except_actor=h.sender.id)
    return going >= times.capacity


async def _refused(h: Handling, activity: dict[str, Any], event_uri: str, actor_id: int) -> None:
    """The organiser refused one of our trainers' answers (a Reject of it; an Accept of it
    confirms, which changes nothing)."""
    if activity_type(activity) != "Reject":
        return
    trainer = await h.session.get(Actor, actor_id)
    if trainer is None or not trainer.is_local:
        raise Ignored("a refusal of an answer that is not ours")
    event = await _event(h, event_uri)
    organiser_id = event.actor_id if event is not None else None
    if organiser_id != h.sender.id and not same_origin(event_uri, h.sender.uri):
        raise Ignored("only the event's organiser refuses its answers")
    await event_queries.answer(h.session, event_uri, actor_id, REFUSED, activity["id"])
