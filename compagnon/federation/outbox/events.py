"""Publishing events and answering them, through `publish.send` (one activity, one Delivery
row per inbox, in the caller's transaction).

- An event is published like a resource: Create to the followers, Update to the followers
  and every host that got it, Delete through `publish.delete_note` (Tombstone to the hosts
  that got it).
- An answer is `Accept` (going), `TentativeAccept` (maybe) or `Reject` (not going) whose
  `object` is the event's id, as Friendica sends attendance, addressed to the organiser only.
- An answer that would pass the capacity is refused: the organiser's node records it as
  `refused` and sends `Reject` whose object is the answer itself (embedded), with a sentence
  saying why; the trainer's node marks the answer refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.events import ANSWER_ACTIVITY, Event
from compagnon.federation.convert import addressing, wrap
from compagnon.federation.event_convert import to_event_object
from compagnon.federation.outbox.publish import (
    new_local_object,
    reach_local_readers,
    refresh_create,
    send,
)
from compagnon.federation.outbox.recipients import inbox_for
from compagnon.federation.search_index import index_stored
from compagnon.federation.urls import Urls
from compagnon.storage.models import Actor, Object, utcnow
from compagnon.storage.queries import deliveries

FULL_REASON = "The event is full: no place is left."


def _store(obj: Object, urls: Urls, author: Actor, event: Event) -> dict[str, Any]:
    recipients = {"to": obj.recipients.get("to", []), "cc": obj.recipients.get("cc", [])}
    obj.recipients = recipients
    doc = to_event_object(event, obj, author, publisher=urls.actor("centre"))
    obj.name = event.title
    obj.summary = doc["summary"]
    obj.language = event.language
    obj.content = doc["content"]
    obj.url = None
    obj.raw = doc
    return doc


async def publish_event(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    event: Event,
    *,
    visibility: str = "public",
) -> Object:
    """`event` is valid and normalised (domain/events.py)."""
    recipients: dict[str, Any] = addressing(visibility, author.followers_url, [])
    obj = await new_local_object(session, urls, author, "Event", visibility, recipients)
    doc = _store(obj, urls, author, event)
    await index_stored(session, [obj])
    create = wrap("Create", urls.new_activity(), author.uri, doc, recipients)
    await send(
        session, author, create, addressed=recipients["to"] + recipients["cc"], object_uri=obj.uri
    )
    await reach_local_readers(session, obj, author, [])
    return obj


async def update_event(
    session: AsyncSession, urls: Urls, author: Actor, obj: Object, event: Event
) -> Object:
    obj.updated = utcnow()
    doc = _store(obj, urls, author, event)
    await index_stored(session, [obj])
    recipients = {"to": obj.recipients.get("to", []), "cc": obj.recipients.get("cc", [])}
    update = wrap("Update", urls.new_activity(), author.uri, doc, recipients)
    await refresh_create(session, author, obj.uri, doc)
    received = await deliveries.inboxes_that_received(session, obj.uri)
    await send(
        session,
        author,
        update,
        addressed=recipients["to"] + recipients["cc"],
        extra_inboxes=received,
        object_uri=obj.uri,
    )
    return obj


def answer_document(urls: Urls, trainer: Actor, event_uri: str, organiser: str, state: str) -> Any:
    doc = wrap(ANSWER_ACTIVITY[state], urls.new_activity(), trainer.uri, event_uri)
    doc["to"], doc["cc"] = [organiser], []
    return doc


async def send_answer(
    session: AsyncSession, trainer: Actor, doc: dict[str, Any], organiser: Actor
) -> None:
    """A local trainer's answer to a remote organiser's event."""
    await send(session, trainer, doc, extra_inboxes=[inbox_for(organiser)])


async def confirm_join(
    session: AsyncSession, urls: Urls, organiser: Actor, answerer: Actor, join: dict[str, Any]
) -> None:
    """A Mobilizon participant's Join got a place: `Accept` of the Join, as Mobilizon expects
    before it shows the participation as confirmed."""
    embedded = {k: v for k, v in join.items() if k not in ("@context", "proof", "signature")}
    doc = wrap("Accept", urls.new_activity(), organiser.uri, embedded, {"to": [answerer.uri]})
    await send(session, organiser, doc, extra_inboxes=[inbox_for(answerer)])


async def refuse_answer(
    session: AsyncSession, urls: Urls, organiser: Actor, answerer: Actor, answer: dict[str, Any]
) -> None:
    """The event is full: tell the answerer's node, politely, that this place is not given."""
    embedded = {k: v for k, v in answer.items() if k not in ("@context", "proof", "signature")}
    doc = wrap("Reject", urls.new_activity(), organiser.uri, embedded, {"to": [answerer.uri]})
    doc["content"] = f"<p>{FULL_REASON}</p>"
    doc["summary"] = FULL_REASON
    await send(session, organiser, doc, extra_inboxes=[inbox_for(answerer)])
