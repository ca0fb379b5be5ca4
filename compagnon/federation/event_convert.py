"""Event ⇄ ActivityStreams.

On the wire an event is a plain AS2 `Event`, shaped as Mobilizon sends its own (so event
software reads it): `startTime`/`endTime` with the offset of the event's time zone,
`timezone` (Mobilizon's term, an IANA name), `location` as a `Place` with a `PostalAddress`,
an online event's link as an `attachment` Link with `isOnline: true`,
`maximumAttendeeCapacity`, `inLanguage`.

Mastodon shows an `Event` as a converted object whatever else its type list holds (its
`converted_object_type?` is true as soon as the list *includes* Event): the title, then
`summary`, then the link; `content` is dropped and `summary` is not a content warning there.
So `["Note", "Event"]` would win nothing, and `summary` carries what a Mastodon reader needs:
when (in the event's time zone), where or "online", and places left. `content`/`contentMap`
hold the full readable text (description, the same facts, the link, the .ics link) for
software that shows content; `description` holds the plain description per language, as
resources do.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from compagnon.domain.events import MAX_CAPACITY, Event, EventTranslation, zone_exists
from compagnon.domain.safe_urls import http_url
from compagnon.federation.convert import iso, parse_time
from compagnon.federation.resource_text import written_in
from compagnon.i18n import _, format_span, ngettext
from compagnon.storage.models import Actor, Object

MAX_TEXT = 20_000


def ics_url(object_uri: str) -> str:
    return f"{object_uri}/event.ics"


def when_text(event: Event) -> str:
    """`2027-03-01 09:00-17:00 (Europe/Lisbon)`, or both dates when it spans several days."""
    start, end = event.start, event.end
    if start.date() == end.date():
        span = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
    else:
        span = f"{start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M}"
    return f"{span} ({event.timezone})"


def reader_when(event: Event) -> str:
    """The event's wall-clock times in the current language (a page's reader), and its zone
    (`when_text` stays in ISO form on the wire, for other software)."""
    return f"{format_span(event.start, event.end)} ({event.timezone})"


def where_text(event: Event) -> str:
    if event.online:
        return _("Online: {url}", url=event.online)
    if event.place:
        return ", ".join(part for part in (event.place, event.address) if part)
    return ""


def facts(event: Event, lang: str, when: str | None = None) -> list[str]:
    """The lines a reader needs, in `lang` (`when`: the times written otherwise than
    `when_text`)."""
    with written_in(lang):
        lines = [_("When: {when}", when=when or when_text(event))]
        where = where_text(event)
        if where:
            lines.append(where if event.online else _("Where: {place}", place=where))
        if event.capacity is not None:
            lines.append(ngettext("{n} place", "{n} places", event.capacity))
    return lines


def _summary(event: Event, lang: str) -> str:
    return " · ".join(facts(event, lang))


def readable_content(
    event: Event,
    lang: str,
    description: str,
    uri: str,
    words_in: str | None = None,
    when: str | None = None,
) -> str:
    """What a reader of `description` (in `lang`) reads; our own words in `words_in` (a card
    on a page: the reader's language, and `when` written her way), else in `lang`."""
    words_in = words_in or lang
    parts = [f"<p>{html.escape(line)}</p>" for line in description.split("\n\n") if line.strip()]
    lines = [html.escape(line) for line in facts(event, words_in, when)]
    parts.append("<p>" + "<br>".join(lines) + "</p>")
    with written_in(words_in):
        calendar = html.escape(_("add to my calendar (.ics)"))
    ics = html.escape(ics_url(uri), quote=True)
    page = html.escape(uri, quote=True)
    parts.append(f'<p><a href="{page}">{page}</a> · <a href="{ics}">{calendar}</a></p>')
    return "".join(parts)


def to_event_object(
    event: Event, obj: Object, author: Actor, *, publisher: str | None = None
) -> dict[str, Any]:
    """The wire object of a valid, normalised event (domain/events.py)."""
    names = event.names()
    descriptions = event.descriptions()
    languages = list(names)
    summaries = {lang: _summary(event, lang) for lang in languages}
    contents = {
        lang: readable_content(event, lang, descriptions.get(lang, ""), obj.uri)
        for lang in languages
    }
    doc: dict[str, Any] = {
        "id": obj.uri,
        "type": "Event",
        "attributedTo": author.uri,
        "name": names[event.language],
        "nameMap": names,
        "summary": summaries[event.language],
        "summaryMap": summaries,
        "content": contents[event.language],
        "contentMap": contents,
        "startTime": event.starts_at().isoformat(),
        "endTime": event.ends_at().isoformat(),
        "timezone": event.timezone,
        "inLanguage": event.language,
        "published": iso(obj.published),
        "url": obj.uri,
        "to": obj.recipients.get("to", []),
        "cc": obj.recipients.get("cc", []),
        "tag": [],
    }
    if descriptions:
        doc["description"] = descriptions
    if event.online:
        doc["isOnline"] = True
        doc["attachment"] = [
            {"type": "Link", "name": "Online", "mediaType": "text/html", "href": event.online}
        ]
    else:
        doc["isOnline"] = False
    if event.place:
        place: dict[str, Any] = {"type": "Place", "name": event.place}
        if event.address:
            place["address"] = {"type": "PostalAddress", "streetAddress": event.address}
        doc["location"] = place
    if event.capacity is not None:
        doc["maximumAttendeeCapacity"] = event.capacity
    if publisher:
        doc["publisher"] = publisher
    if obj.updated:
        doc["updated"] = iso(obj.updated)
    return doc


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): _text(v) for k, v in value.items() if isinstance(k, str) and _text(v)}


def _online(doc: dict[str, Any]) -> str:
    items = doc.get("attachment")
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict) and item.get("type") == "Link":
            href = http_url(item.get("href") if isinstance(item.get("href"), str) else None)
            if href:
                return href
    return ""


def _place(doc: dict[str, Any]) -> tuple[str, str]:
    location = doc.get("location")
    if isinstance(location, list):
        location = location[0] if location else None
    if not isinstance(location, dict):
        return "", ""
    address = location.get("address")
    if isinstance(address, dict):
        parts = [
            _text(address.get(key), 200)
            for key in ("streetAddress", "postalCode", "addressLocality", "addressCountry")
        ]
        street = ", ".join(p for p in parts if p)
    else:
        street = _text(address, 500)
    return _text(location.get("name"), 500), street


def event_from_document(doc: dict[str, Any]) -> Event | None:
    """The event an `Event` document describes (ours or another server's); None when it
    has no readable start. A missing or unknown time zone reads as UTC; a missing end as the
    start; a capacity that is not a whole number from 1 to 1,000,000 as none."""
    try:
        return _event_from_document(doc)
    except (OverflowError, ValueError):  # a time at the edge of the calendar: not an event
        return None


def _event_from_document(doc: dict[str, Any]) -> Event | None:
    start = parse_time(doc.get("startTime"))
    if start is None:
        return None
    end = parse_time(doc.get("endTime")) or start
    zone_name = doc.get("timezone") if isinstance(doc.get("timezone"), str) else ""
    zone = ZoneInfo(zone_name) if zone_name and zone_exists(zone_name) else ZoneInfo("UTC")
    names = _map(doc.get("nameMap"))
    descriptions = _map(doc.get("description"))
    language = doc.get("inLanguage") if isinstance(doc.get("inLanguage"), str) else None
    language = language or next(iter(names or _map(doc.get("contentMap"))), "") or "und"
    title = names.get(language) or _text(doc.get("name"), 300) or next(iter(names.values()), "")
    place, address = _place(doc)
    capacity = doc.get("maximumAttendeeCapacity")
    translations = tuple(
        EventTranslation(lang, text, descriptions.get(lang, ""))
        for lang, text in names.items()
        if lang != language
    )
    return Event(
        title=title,
        description=descriptions.get(language, ""),
        start=start.astimezone(zone).replace(tzinfo=None),
        end=end.astimezone(zone).replace(tzinfo=None),
        timezone=str(zone.key),
        place=place,
        address=address,
        online=_online(doc),
        language=language,
        capacity=_capacity(capacity),
        translations=translations,
    )


def _capacity(value: Any) -> int | None:
    """A whole number of places the `capacity` column can hold; None otherwise (Mobilizon
    sends 0 for "no limit")."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_CAPACITY:
        return value
    return None


def times_of(doc: dict[str, Any]) -> tuple[datetime, datetime, str, int | None] | None:
    """What the `event_times` row holds for an event document: start and end (UTC), zone,
    capacity."""
    event = event_from_document(doc)
    if event is None:
        return None
    try:
        return (
            event.starts_at().astimezone(UTC),
            max(event.ends_at(), event.starts_at()).astimezone(UTC),
            event.timezone,
            event.capacity,
        )
    except (OverflowError, ValueError):
        return None
