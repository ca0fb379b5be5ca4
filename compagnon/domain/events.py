"""Events: seminars, workshops, multiplier events. What a trainer or the centre announces,
its checks (`problems`, one sentence per mistaken field), and what an answer to it means.

Times are kept as the organiser typed them, wall-clock time in the event's own time zone
(IANA name): a workshop at 09:00 in Lisbon stays at 09:00 in Lisbon when summer time comes,
which an instant stored alone would not say. `starts_at()` / `ends_at()` give the instants.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from compagnon.domain.resources import language_tag
from compagnon.domain.safe_urls import http_url
from compagnon.i18n import _, ngettext

MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
MAX_PLACE = 500
MAX_CAPACITY = 1_000_000

# An answer to an event: the activity a trainer sends, and the state it records.
GOING, MAYBE, NOT_GOING, REFUSED = "going", "maybe", "not_going", "refused"
ANSWER_ACTIVITY = {GOING: "Accept", MAYBE: "TentativeAccept", NOT_GOING: "Reject"}
ACTIVITY_ANSWER = {kind: state for state, kind in ANSWER_ACTIVITY.items()}
CLI_ANSWERS = {"yes": GOING, "maybe": MAYBE, "no": NOT_GOING}


@dataclass(frozen=True)
class EventTranslation:
    """The title and description in one more language."""

    language: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Event:
    title: str
    start: datetime  # naive: wall-clock time in `timezone`
    end: datetime
    timezone: str  # IANA, e.g. Europe/Lisbon
    description: str = ""
    place: str = ""  # the place's name (a Place on the wire)
    address: str = ""  # its street address, when given
    online: str = ""  # the link of an online event
    language: str = "en"  # primary language, BCP 47
    capacity: int | None = None  # places for those who come; None: no limit
    translations: tuple[EventTranslation, ...] = field(default=())

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def starts_at(self) -> datetime:
        return self.start.replace(tzinfo=self.zone())

    def ends_at(self) -> datetime:
        return self.end.replace(tzinfo=self.zone())

    def names(self) -> dict[str, str]:
        """Title per language, the primary language first."""
        found = {self.language: self.title.strip()}
        found.update({t.language: t.title.strip() for t in self.translations})
        return {lang: text for lang, text in found.items() if text}

    def descriptions(self) -> dict[str, str]:
        found = {self.language: self.description.strip()}
        found.update({t.language: t.description.strip() for t in self.translations})
        return {lang: text for lang, text in found.items() if text}


@cache
def _zone_names() -> frozenset[str]:
    # available_timezones() walks the tz database's files on every call: once per process.
    return frozenset(available_timezones())


def zone_names() -> list[str]:
    """Every IANA time zone name, sorted (the events form's list)."""
    return sorted(_zone_names())


@cache
def _zones_by_country() -> dict[str, str]:
    """Each country's first time zone in the tz database's zone.tab (its capital's, mostly:
    PT Europe/Lisbon, FR Europe/Paris, RO Europe/Bucharest); empty when no zone.tab is found."""
    import contextlib
    import importlib.resources

    places: list[Any] = []
    with contextlib.suppress(ModuleNotFoundError):  # the tzdata package, else the system's
        places.append(importlib.resources.files("tzdata.zoneinfo") / "zone.tab")
    places.append(Path("/usr/share/zoneinfo/zone.tab"))
    for place in places:
        try:
            text = place.read_text(encoding="utf-8")
        except OSError:
            continue
        found: dict[str, str] = {}
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#"):
                found.setdefault(parts[0].upper(), parts[2])
        return found
    return {}


def zone_of_country(country: str) -> str | None:
    """The time zone a centre in `country` (ISO 3166-1 alpha-2) most likely keeps, if known."""
    zone = _zones_by_country().get(country.strip().upper())
    return zone if zone and zone_exists(zone) else None


def zone_exists(name: str) -> bool:
    if not name or len(name) > 64 or name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_local_time(value: str) -> datetime | None:
    """`2027-03-01T09:00` (or with a space, or seconds) as a naive wall-clock time; None when
    it is not one. A time with an offset is refused: the time zone is given on its own."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else None


def normalised(event: Event) -> Event:
    """Canonical forms: trimmed text, language tags in their usual case, seconds dropped."""
    language = language_tag(event.language) or event.language.strip()
    return replace(
        event,
        title=event.title.strip(),
        description=event.description.strip(),
        place=event.place.strip(),
        address=event.address.strip(),
        online=event.online.strip(),
        timezone=event.timezone.strip(),
        language=language,
        start=event.start.replace(microsecond=0),
        end=event.end.replace(microsecond=0),
        translations=tuple(
            EventTranslation(
                language_tag(t.language) or t.language.strip(),
                t.title.strip(),
                t.description.strip(),
            )
            for t in event.translations
        ),
    )


def problems(event: Event) -> list[str]:
    """One sentence per mistaken field; empty when the event can be published."""
    return [sentence for _field, sentence in field_problems(event)]


def field_problems(event: Event) -> list[tuple[str, str]]:
    """(field, sentence) per mistake: the form shows each next to its field."""
    found: list[tuple[str, str]] = []
    if not event.title.strip():
        found.append(("title", _("An event needs a title.")))
    elif len(event.title) > MAX_TITLE:
        found.append(
            (
                "title",
                ngettext(
                    "The title is longer than {n} character.",
                    "The title is longer than {n} characters.",
                    MAX_TITLE,
                ),
            )
        )
    if len(event.description) > MAX_DESCRIPTION:
        found.append(
            (
                "description",
                ngettext(
                    "The description is longer than {n} character.",
                    "The description is longer than {n} characters.",
                    MAX_DESCRIPTION,
                ),
            )
        )
    zone_ok = zone_exists(event.timezone)
    if not zone_ok:
        found.append(
            (
                "timezone",
                _(
                    "Unknown time zone {zone!r}: give an IANA name such as Europe/Lisbon.",
                    zone=event.timezone,
                ),
            )
        )
    if event.start.tzinfo is not None or event.end.tzinfo is not None:
        found.append(
            (
                "start",
                _("Give start and end as local times; the time zone is given on its own."),
            )
        )
    elif event.end <= event.start or (
        zone_ok and event.ends_at().astimezone(UTC) <= event.starts_at().astimezone(UTC)
    ):
        found.append(("end", _("The event ends before it starts (or when it starts).")))
    if event.place and event.online:
        found.append(("online", _("An event takes place either at a place or online, not both.")))
    if len(event.place) > MAX_PLACE or len(event.address) > MAX_PLACE:
        found.append(
            (
                "place",
                ngettext(
                    "The place and its address are at most {n} character.",
                    "The place and its address are at most {n} characters.",
                    MAX_PLACE,
                ),
            )
        )
    if event.address and not event.place:
        found.append(("address", _("An address needs the place's name too.")))
    if event.online and http_url(event.online) is None:
        found.append(
            (
                "online",
                _(
                    "The online link must be an http:// or https:// address: {url}",
                    url=event.online,
                ),
            )
        )
    if language_tag(event.language) is None:
        found.append(("language", _("The language must be a BCP 47 code such as en, pt or pt-PT.")))
    for t in event.translations:
        if language_tag(t.language) is None:
            found.append(
                (
                    "translations",
                    _("The translation's language must be a BCP 47 code, not {v!r}.", v=t.language),
                )
            )
        elif not t.title.strip():
            found.append(
                ("translations", _("The translation into {lang} needs a title.", lang=t.language))
            )
    if event.capacity is not None and not 1 <= event.capacity <= MAX_CAPACITY:
        found.append(
            ("capacity", _("The capacity is a number of places from 1 to {n}.", n=MAX_CAPACITY))
        )
    return found
