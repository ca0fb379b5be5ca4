"""Events: the event's own URL (a page for people, the AS2 document with live counts for
peers), its `.ics` download, and the events listing of `/search?kind=events`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from compagnon.domain.events import Event
from compagnon.domain.safe_urls import http_url
from compagnon.federation.event_convert import event_from_document, ics_url, reader_when
from compagnon.federation.jsonld import OUR_CONTEXT
from compagnon.i18n import format_moment
from compagnon.server import auth
from compagnon.server.keys import FEDERATION, SESSIONS
from compagnon.server.negotiation import activity_json, json_response, problem
from compagnon.server.params import query_int
from compagnon.server.views.event_forms import answer_labels
from compagnon.server.views.pages import _base
from compagnon.storage.models import Actor, Object, utcnow
from compagnon.storage.queries import events as event_queries
from compagnon.storage.queries import objects as object_queries

MAX_WORDS = 8
MAX_PAGE = 500


def _counts_json(counts: dict[str, int], capacity: int | None) -> dict[str, Any]:
    """Mobilizon's `participantCount` and schema.org's `remainingAttendeeCapacity`, plus
    every answer in `attendance` (plain JSON, no JSON-LD term: no shared vocabulary has
    maybe / not going counts)."""
    found: dict[str, Any] = {
        "participantCount": counts["going"],
        "attendance": {
            "going": counts["going"],
            "maybe": counts["maybe"],
            "notGoing": counts["not_going"],
        },
    }
    if capacity is not None:
        found["remainingAttendeeCapacity"] = max(0, capacity - counts["going"])
    return found


async def event_object(
    request: web.Request, obj: Object, author: Actor, *, wants_json: bool
) -> web.StreamResponse:
    """Called by activitypub.object_document for a live, local, public or unlisted event,
    and by social.view_page (wants_json False) for one received from a peer."""
    assert obj.raw is not None
    event = event_from_document(obj.raw)
    async with request.app[SESSIONS]() as session:
        counts = await event_queries.counts(session, obj.uri)
    if wants_json:
        return activity_json(
            {"@context": OUR_CONTEXT, **obj.raw, **_counts_json(counts, _capacity(event))}
        )
    if event is None:
        return problem(404, "no such event")
    user = await auth.current_user(request)
    mine = None
    if user is not None:
        async with request.app[SESSIONS]() as session:
            mine = await event_queries.answer_of(session, obj.uri, user.actor_id)
    context = _base(
        request,
        user=user,
        my_answer=mine.state if mine is not None else None,
        answer_labels=answer_labels(),
        organiser=user is not None and user.actor_id == author.id and obj.is_local,
        obj=obj,
        author=author,
        event=event,
        when=reader_when(event),
        utc=f"{format_moment(event.starts_at().astimezone(UTC))} UTC",
        counts=counts,
        left=None if event.capacity is None else max(0, event.capacity - counts["going"]),
        ics=ics_url(obj.uri),
        other_names={k: v for k, v in event.names().items() if k != event.language},
    )
    return aiohttp_jinja2.render_template("event.html", request, context)


def _capacity(event: Event | None) -> int | None:
    return event.capacity if event is not None else None


def calendar_bytes(event: Event, uri: str, updated: datetime | None) -> bytes:
    """One VEVENT, its times in the event's zone (TZID) with the VTIMEZONE it needs."""
    # Imported here: icalendar costs a web process ~6 MB for a page few people open.
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//Compagnon//Events//EN")
    calendar.add("version", "2.0")
    entry = CalendarEvent()
    entry.add("uid", uri)
    entry.add("dtstamp", (updated or utcnow()).astimezone(UTC))
    entry.add("dtstart", event.starts_at())
    entry.add("dtend", event.ends_at())
    entry.add("summary", event.title)
    if event.description:
        entry.add("description", event.description)
    if event.online:
        entry.add("location", event.online)
    elif event.place:
        entry.add("location", ", ".join(p for p in (event.place, event.address) if p))
    entry.add("url", uri)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


async def event_ics(request: web.Request) -> web.StreamResponse:
    ctx = request.app[FEDERATION]
    uri = f"{ctx.urls.base}/objects/{request.match_info['object_id']}"
    async with request.app[SESSIONS]() as session:
        obj = await object_queries.by_uri(session, uri)
    if obj is None or not obj.is_local or obj.type != "Event" or obj.raw is None:
        return problem(404, "no such event")
    if obj.deleted_at is not None:
        return problem(410, "this event was deleted")
    if obj.visibility not in {"public", "unlisted"}:
        return problem(404, "no such event")
    event = event_from_document(obj.raw)
    if event is None:
        return problem(404, "no such event")
    name = request.match_info["object_id"][:64]
    return web.Response(
        body=calendar_bytes(event, obj.uri, obj.updated or obj.published),
        headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="event-{name}.ics"',
        },
    )


def _words(text: str) -> list[str]:
    return [w for w in text.lower().split() if w][:MAX_WORDS]


async def events_listing(request: web.Request, *, wants_json: bool) -> web.StreamResponse:
    """`/search?kind=events[&q=words][&page=N]`: events not over yet, soonest first, then
    past ones, latest first; 20 a page."""
    text = request.query.get("q", "")[:200]
    page = query_int(request, "page", minimum=1, maximum=MAX_PAGE) or 1
    user = await auth.current_user(request)
    visibilities = ("public", "unlisted") if user is not None else ("public",)
    size = event_queries.PAGE_SIZE
    async with request.app[SESSIONS]() as session:
        found = await event_queries.listing(
            session,
            now=utcnow(),
            words=_words(text),
            visibilities=visibilities,
            offset=(page - 1) * size,
            limit=size + 1,
        )
        rows = []
        for item in found[:size]:
            counts = await event_queries.counts(session, item.obj.uri)
            rows.append((item, counts))
    more = len(found) > size
    if wants_json:
        return json_response(
            {
                "kind": "events",
                "results": [
                    {
                        "id": http_url(item.obj.uri),
                        "title": item.obj.name,
                        "startTime": item.times.start_at.isoformat(),
                        "endTime": item.times.end_at.isoformat(),
                        "timezone": item.times.timezone,
                        "organiser": f"{item.author.username}@{item.author.domain}",
                        "maximumAttendeeCapacity": item.times.capacity,
                        "participantCount": counts["going"],
                    }
                    for item, counts in rows
                ],
                "next": f"/search?kind=events&page={page + 1}" if more else None,
            }
        )
    shown = []
    for item, counts in rows:
        event = event_from_document(item.obj.raw) if item.obj.raw else None
        shown.append(
            {
                "uri": item.obj.uri,
                "title": item.obj.name,
                "when": reader_when(event) if event else "",
                "organiser": f"{item.author.username}@{item.author.domain}",
                "going": counts["going"],
                "capacity": item.times.capacity,
                "past": item.times.end_at < utcnow(),
            }
        )
    context = _base(
        request,
        user=user,
        text=text,
        events=shown,
        page=page,
        next_page=f"/search?kind=events&page={page + 1}" if more else None,
    )
    return aiohttp_jinja2.render_template("events.html", request, context)
