"""Events from the CLI: publish, edit, delete, answer, list, and who answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.config import Settings
from compagnon.domain.events import GOING, Event, normalised, problems
from compagnon.domain.safe_urls import http_url
from compagnon.federation import fetch
from compagnon.federation.as_types import has_type
from compagnon.federation.context import FederationContext
from compagnon.federation.event_convert import event_from_document
from compagnon.federation.jsonld import first_id
from compagnon.federation.outbox import events as event_outbox
from compagnon.federation.outbox import publish
from compagnon.federation.resolver import Resolver
from compagnon.federation.urls import Urls
from compagnon.i18n import _, ngettext
from compagnon.operations import OperationError, _local_actor, database, federation
from compagnon.storage.models import Actor, Object, utcnow
from compagnon.storage.queries import events as event_queries
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries.notifications import notify


def checked(event: Event) -> Event:
    event = normalised(event)
    mistakes = problems(event)
    if mistakes:
        raise OperationError("\n".join(mistakes))
    return event


async def publish_event(settings: Settings, username: str, event: Event) -> str:
    async with database(settings) as sessions, sessions.begin() as session:
        obj = await publish_in(session, Urls(settings.base_url), username, event)
        return obj.uri


async def publish_in(session: AsyncSession, urls: Urls, username: str, event: Event) -> Object:
    """Publish in an open transaction (the pages' way; `publish_event` opens its own)."""
    event = checked(event)
    author = await _local_actor(session, username)
    return await event_outbox.publish_event(session, urls, author, event)


async def _own_event(session: AsyncSession, username: str, uri: str) -> tuple[Actor, Object]:
    author = await _local_actor(session, username)
    obj = await object_queries.by_uri(session, uri.strip())
    if obj is None or obj.deleted_at is not None or obj.type != "Event":
        raise OperationError(_("There is no event at {uri}.", uri=uri))
    if obj.actor_id != author.id or not obj.is_local or obj.raw is None:
        raise OperationError(_("{uri} is not an event of {name}.", uri=uri, name=username))
    return author, obj


async def event_of(settings: Settings, username: str, uri: str) -> Event:
    async with database(settings) as sessions, sessions() as session:
        return await current(session, username, uri)


async def current(session: AsyncSession, username: str, uri: str) -> Event:
    """An event of USERNAME as it is now (for a form to show)."""
    _author, obj = await _own_event(session, username, uri)
    assert obj.raw is not None
    found = event_from_document(obj.raw)
    if found is None:
        raise OperationError(_("There is no event at {uri}.", uri=uri))
    return found


async def edit_event(
    settings: Settings, username: str, uri: str, change: Callable[[Event], Event]
) -> str:
    async with database(settings) as sessions, sessions.begin() as session:
        return await edit_in(session, Urls(settings.base_url), username, uri, change)


async def edit_in(
    session: AsyncSession, urls: Urls, username: str, uri: str, change: Callable[[Event], Event]
) -> str:
    author, obj = await _own_event(session, username, uri)
    current_event = await current(session, username, uri)
    event = checked(change(current_event))
    await event_outbox.update_event(session, urls, author, obj, event)
    return obj.uri


async def delete_event(settings: Settings, username: str, uri: str) -> str:
    async with database(settings) as sessions, sessions.begin() as session:
        return await delete_in(session, Urls(settings.base_url), username, uri)


async def delete_in(session: AsyncSession, urls: Urls, username: str, uri: str) -> str:
    author, obj = await _own_event(session, username, uri)
    await publish.delete_note(session, urls, author, obj)
    return obj.uri


async def attend(settings: Settings, username: str, event_url: str, state: str) -> str:
    """A local trainer answers an event: recorded here, and sent to the organiser when the
    event is another node's. Returns the state recorded."""
    uri = http_url(event_url.strip())
    if uri is None:
        raise OperationError(_("Not an http(s) address: {url}", url=event_url))
    async with federation(settings) as ctx:
        return await attend_with(ctx, username, uri, state)


async def attend_with(ctx: FederationContext, username: str, uri: str, state: str) -> str:
    """`attend` with the node's running federation context (the pages' way)."""
    async with ctx.sessions() as session:
        held = await object_queries.by_uri(session, uri)
    if held is not None and held.deleted_at is not None:
        raise OperationError(_("The event at {uri} was deleted.", uri=uri))
    if ctx.urls.is_ours(uri):
        if held is None or held.type != "Event":
            raise OperationError(_("There is no event at {uri}.", uri=uri))
        await _attend_here(ctx, username, held, state)
        return state
    doc = held.raw if held is not None and held.type == "Event" else None
    await _attend_there(ctx, username, uri, doc or await _fetch_event(ctx, uri), state)
    return state


async def _attend_here(ctx: FederationContext, username: str, event: Object, state: str) -> None:
    """An event of this node: the capacity is checked here, nothing is sent."""
    async with ctx.sessions.begin() as session:
        trainer = await _local_actor(session, username)
        times = await event_queries.times_of(session, event.id)
        capacity = times.capacity if times is not None else None
        if state == GOING and capacity is not None:
            going = await event_queries.going_count(session, event.uri, except_actor=trainer.id)
            if going >= capacity:
                raise OperationError(
                    ngettext(
                        "The event is full: its {n} place is taken.",
                        "The event is full: all {n} places are taken.",
                        capacity,
                    )
                )
        # No activity travels; the row still names one, so every answer has an id.
        await event_queries.answer(session, event.uri, trainer.id, state, ctx.urls.new_activity())
        await notify(session, event.actor_id, "attendance", trainer, event.uri)


async def _attend_there(
    ctx: FederationContext, username: str, uri: str, doc: dict[str, Any], state: str
) -> None:
    """Another node's event: the answer is recorded here and sent to its organiser, whose
    node checks the capacity (and says so with a Reject when it is full)."""
    organiser_uri = first_id(doc.get("attributedTo")) or first_id(doc.get("actor"))
    if not organiser_uri:
        raise OperationError(_("The event at {uri} names no organiser.", uri=uri))
    try:
        organiser = await Resolver(ctx).actor(organiser_uri)
    except Exception as exc:  # a peer that is down or answers nonsense: say so
        organiser, why = None, str(exc)
    else:
        why = _("no such actor")
    if organiser is None:
        raise OperationError(
            _("The organiser {uri} cannot be reached: {why}", uri=organiser_uri, why=why)
        )
    async with ctx.sessions.begin() as session:
        trainer = await _local_actor(session, username)
        answer = event_outbox.answer_document(ctx.urls, trainer, uri, organiser.uri, state)
        await event_queries.answer(session, uri, trainer.id, state, answer["id"])
        await event_outbox.send_answer(session, trainer, answer, organiser)


async def _fetch_event(ctx: FederationContext, uri: str) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = await ctx.fetch_signed(uri)
    except (fetch.FetchError, ValueError) as exc:
        raise OperationError(
            _("The event at {uri} cannot be fetched: {why}", uri=uri, why=exc)
        ) from None
    if not has_type(doc, "Event") or event_from_document(doc) is None:
        raise OperationError(_("{uri} is not an event.", uri=uri))
    return doc


async def list_events(settings: Settings, limit: int = 100) -> list[dict[str, Any]]:
    """Events known to this node (ours and our peers'), upcoming first."""
    async with database(settings) as sessions, sessions() as session:
        found = await event_queries.listing(
            session, now=utcnow(), visibilities=("public", "unlisted"), limit=limit
        )
        rows = []
        for item in found:
            counts = await event_queries.counts(session, item.obj.uri)
            rows.append(
                {
                    "uri": item.obj.uri,
                    "title": item.obj.name,
                    "start": item.times.start_at,
                    "timezone": item.times.timezone,
                    "organiser": f"{item.author.username}@{item.author.domain}",
                    "going": counts["going"],
                    "capacity": item.times.capacity,
                }
            )
        return rows


async def attendees(settings: Settings, event_url: str) -> list[dict[str, str]]:
    async with database(settings) as sessions, sessions() as session:
        rows = await event_queries.attendees(session, event_url.strip())
        return [
            {"actor": actor.uri, "handle": f"{actor.username}@{actor.domain}", "state": row.state}
            for actor, row in rows
        ]
