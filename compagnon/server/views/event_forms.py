"""Creating, editing and deleting events from the web, and answering them, without JavaScript.

`/events/new` and `/events/edit?uri=` show one form (title and description with
translations, start and end as local times, the time zone from a list, a place or an online
link, language, capacity); `/events/delete` deletes; `/events/answer` records a signed-in
trainer's Going / Maybe / Not going, sent to the organiser as Accept / TentativeAccept /
Reject when the event is another node's. Each does what `compagnon event ...` does, through
operations/events.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from compagnon.domain.events import (
    GOING,
    MAYBE,
    NOT_GOING,
    Event,
    EventTranslation,
    field_problems,
    normalised,
    parse_local_time,
    zone_names,
    zone_of_country,
)
from compagnon.domain.safe_urls import http_url
from compagnon.i18n import _
from compagnon.operations import OperationError
from compagnon.operations import events as ops
from compagnon.operations.admin.centre import centre_profile
from compagnon.server import auth
from compagnon.server.forms import error_page, read_checked_form, translation_rows
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS, WORKER
from compagnon.server.language import writing_language
from compagnon.server.views.social import page_context
from compagnon.storage.models import Actor, Object, User
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import objects as object_queries

TRANSLATION_SLOTS = 2
MAX_TRANSLATION_ROWS = 7  # read_form takes 50 fields; the ones past it are kept on saving
ANSWERS = (GOING, MAYBE, NOT_GOING)
DEFAULT_ZONE = "Europe/Lisbon"


def answer_labels() -> dict[str, str]:
    return {GOING: _("Going"), MAYBE: _("Maybe"), NOT_GOING: _("Not going"), "refused": _("Full")}


def page_of(request: web.Request, uri: str) -> str:
    """Where an event's page is: ours at its URL, a peer's at /view?uri="""
    if request.app[FEDERATION].urls.is_ours(uri):
        return uri
    return "/view?uri=" + quote(uri, safe="")


# --- the form's values, both ways ----------------------------------------------------------


def values_of(event: Event) -> dict[str, Any]:
    return {
        "title": event.title,
        "description": event.description,
        "start": f"{event.start:%Y-%m-%dT%H:%M}",
        "end": f"{event.end:%Y-%m-%dT%H:%M}",
        "timezone": event.timezone,
        "where": "online" if event.online else "place",
        "place": event.place,
        "address": event.address,
        "online": event.online,
        "language": event.language,
        "capacity": "" if event.capacity is None else str(event.capacity),
        "translations": [
            {"language": t.language, "title": t.title, "description": t.description}
            for t in event.translations
        ],
    }


def _posted_values(form: MultiDictProxy[str]) -> dict[str, Any]:
    names = ("title", "description", "start", "end", "timezone", "where", "place", "address")
    found: dict[str, Any] = {name: str(form.get(name, "")) for name in names}
    for name in ("online", "language", "capacity"):
        found[name] = str(form.get(name, ""))
    found["translations"] = translation_rows(form)
    return found


def _event_from(values: dict[str, Any]) -> tuple[Event | None, list[tuple[str, str]]]:
    """The event the form describes, or None, and the mistakes of the form's own fields
    (a time or a number that is not one) before the domain's checks."""
    mistakes: list[tuple[str, str]] = []
    times: dict[str, datetime] = {}
    for name in ("start", "end"):
        parsed = parse_local_time(values[name]) if values[name].strip() else None
        if parsed is None:
            sentence = (
                _("The start needs a date and a time such as 2027-03-01 09:00.")
                if name == "start"
                else _("The end needs a date and a time such as 2027-03-01 09:00.")
            )
            mistakes.append((name, sentence))
        else:
            times[name] = parsed
    capacity: int | None = None
    if values["capacity"].strip():
        try:
            capacity = int(values["capacity"].strip())
        except ValueError:
            mistakes.append(("capacity", _("The capacity is a number of places, or empty.")))
    online = values["where"] == "online"
    event = Event(
        title=values["title"],
        description=values["description"],
        start=times.get("start", datetime(2000, 1, 1)),
        end=times.get("end", datetime(2000, 1, 1, 1)),
        timezone=values["timezone"],
        place="" if online else values["place"],
        address="" if online else values["address"],
        online=values["online"] if online else "",
        language=values["language"],
        capacity=capacity,
        translations=tuple(
            EventTranslation(t["language"], t["title"], t["description"])
            for t in values["translations"]
        ),
    )
    if values["where"] not in ("place", "online"):
        mistakes.append(("where", _("Choose a place or an online link.")))
    found = field_problems(normalised(event))
    if len(times) < 2:  # the placeholder times say nothing about the order
        found = [(f, s) for f, s in found if f not in ("start", "end")]
    if capacity is None and values["capacity"].strip():
        found = [(f, s) for f, s in found if f != "capacity"]
    mistakes += found
    return (None if mistakes else event), mistakes


def _replacing(event: Event) -> Callable[[Event], Event]:
    """The form gives the whole event: it replaces the current one, but for the
    translations past the form's rows (made with the CLI), kept as they are."""

    def change(current: Event) -> Event:
        given = {t.language for t in event.translations}
        kept = tuple(
            t for t in current.translations[MAX_TRANSLATION_ROWS:] if t.language not in given
        )
        return replace(event, translations=event.translations + kept)

    return change


def _errors_by_field(found: list[tuple[str, str]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field_name, sentence in found:
        errors.setdefault(field_name, []).append(sentence)
    return errors


async def _render_form(
    request: web.Request,
    user: User,
    *,
    values: dict[str, Any],
    uri: str | None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> web.StreamResponse:
    shown = list(values["translations"])
    blank = {"language": "", "title": "", "description": ""}
    context = await page_context(
        request,
        user,
        uri=uri,
        form=values,
        zones=zone_names(),
        translation_rows=(shown + [blank] * max(TRANSLATION_SLOTS - len(shown), 1))[
            :MAX_TRANSLATION_ROWS
        ],
        errors=errors or {},
    )
    return aiohttp_jinja2.render_template("events/form.html", request, context, status=status)


# --- pages ---------------------------------------------------------------------------------


async def _home_zone(request: web.Request) -> str:
    """The time zone of the centre's country (its profile's, else the `country` setting): a
    trainer in Bucharest starts with Europe/Bucharest, not another country's clock."""
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        centre = await actor_queries.local_by_username(session, "centre")
    country = centre_profile(centre, settings.country, []).country if centre else settings.country
    return zone_of_country(country) or DEFAULT_ZONE


async def new_form(request: web.Request) -> web.StreamResponse:
    """GET /events/new"""
    user, _actor = await auth.signed_in_actor(request)
    values = {
        "title": "",
        "description": "",
        "start": "",
        "end": "",
        "timezone": await _home_zone(request),
        "where": "place",
        "place": "",
        "address": "",
        "online": "",
        "language": writing_language(request, user),  # hers, not the node's, to start with
        "capacity": "",
        "translations": [],
    }
    return await _render_form(request, user, values=values, uri=None)


async def create(request: web.Request) -> web.StreamResponse:
    """POST /events/new: publish, or the form again with each mistake by its field."""
    user, actor = await auth.signed_in_actor(request)
    form = await read_checked_form(request)
    values = _posted_values(form)
    event, mistakes = _event_from(values)
    if event is not None:
        try:
            async with request.app[SESSIONS].begin() as session:
                obj = await ops.publish_in(
                    session, request.app[FEDERATION].urls, actor.username, event
                )
        except OperationError as exc:
            mistakes.append(("", str(exc)))
        else:
            request.app[WORKER].wake()
            raise web.HTTPSeeOther(obj.uri)
    return await _render_form(
        request, user, values=values, uri=None, errors=_errors_by_field(mistakes), status=400
    )


async def _own(request: web.Request, actor: Actor, uri: str) -> Object:
    async with request.app[SESSIONS]() as session:
        obj = await object_queries.by_uri(session, uri.strip())
    if (
        obj is None
        or obj.type != "Event"
        or obj.deleted_at is not None
        or obj.actor_id != actor.id
        or not obj.is_local
    ):
        raise error_page(request, 404, _("You have no event at this address."))
    return obj


async def edit_form(request: web.Request) -> web.StreamResponse:
    """GET /events/edit?uri="""
    user, actor = await auth.signed_in_actor(request)
    obj = await _own(request, actor, request.query.get("uri", ""))
    async with request.app[SESSIONS]() as session:
        try:
            event = await ops.current(session, actor.username, obj.uri)
        except OperationError as exc:
            raise error_page(request, 404, str(exc)) from None
    return await _render_form(request, user, values=values_of(event), uri=obj.uri)


async def edit(request: web.Request) -> web.StreamResponse:
    """POST /events/edit: an Update to whoever received the event."""
    user, actor = await auth.signed_in_actor(request)
    form = await read_checked_form(request)
    obj = await _own(request, actor, str(form.get("uri", "")))
    values = _posted_values(form)
    event, mistakes = _event_from(values)
    if event is not None:
        try:
            async with request.app[SESSIONS].begin() as session:
                await ops.edit_in(
                    session,
                    request.app[FEDERATION].urls,
                    actor.username,
                    obj.uri,
                    _replacing(event),
                )
        except OperationError as exc:
            mistakes.append(("", str(exc)))
        else:
            request.app[WORKER].wake()
            raise web.HTTPSeeOther(obj.uri)
    return await _render_form(
        request, user, values=values, uri=obj.uri, errors=_errors_by_field(mistakes), status=400
    )


async def delete(request: web.Request) -> web.StreamResponse:
    """POST /events/delete"""
    _user, actor = await auth.signed_in_actor(request)
    form = await read_checked_form(request)
    obj = await _own(request, actor, str(form.get("uri", "")))
    async with request.app[SESSIONS].begin() as session:
        await ops.delete_in(session, request.app[FEDERATION].urls, actor.username, obj.uri)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther("/search?kind=events")


async def answer(request: web.Request) -> web.StreamResponse:
    """POST /events/answer: `answer` going | maybe | not_going to the event at `uri`."""
    _user, actor = await auth.signed_in_actor(request)
    form = await read_checked_form(request)
    uri = http_url(str(form.get("uri", "")).strip())
    state = str(form.get("answer", ""))
    if uri is None:
        raise error_page(request, 400, _("There is no event at this address here."))
    if state not in ANSWERS:
        raise error_page(request, 400, _("Choose Going, Maybe or Not going."))
    try:
        await ops.attend_with(request.app[FEDERATION], actor.username, uri, state)
    except OperationError as exc:
        raise error_page(request, 400, str(exc)) from None
    request.app[WORKER].wake()
    raise web.HTTPSeeOther(page_of(request, uri) + "#answer")


ROUTES = [
    web.get("/events/new", new_form),
    web.post("/events/new", create),
    web.get("/events/edit", edit_form),
    web.post("/events/edit", edit),
    web.post("/events/delete", delete),
    web.post("/events/answer", answer),
]
