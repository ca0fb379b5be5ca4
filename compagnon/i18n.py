"""The one translation function for every string a person reads, and the interface languages.

`_("Search")` returns the message in the language of the current request (or command), and
`_("{n} results", n=3)` fills named fields after translating, so translators see the whole
sentence. The language is a context variable (`current_language`), so no function has to
pass it on: the server's middleware (server/language.py) sets it per request, the CLI from
the `language` setting. Templates call the same function, installed as a Jinja2 global.

Catalogues are the translators' GNU gettext `.po` files under
`LOCALE_DIR/<lang>/LC_MESSAGES/compagnon.po`, compiled when first used in a process (Babel's
`read_po`, then `write_mo` into memory; fuzzy entries left out) and kept; a compiled `.mo`
beside a `.po` is not needed and not read. ARCHITECTURE.md says why (compile on load: a
fresh clone runs, nothing generated is committed, nothing can be stale). `LOCALE_DIR` is read
at each call, so a test can point it at a directory of its own.
"""

from __future__ import annotations

import gettext
import io
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "compagnon"
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself: what a reader looks for in a list
    direction: str  # "ltr" or "rtl"


# The interface languages the project ships catalogues for (issue 10), English the source.
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "ltr"),
        Language("fr", "Français", "ltr"),
        Language("pt", "Português", "ltr"),
        Language("it", "Italiano", "ltr"),
        Language("ro", "Română", "ltr"),
        Language("es", "Español", "ltr"),
        Language("ar", "العربية", "rtl"),
    )
}

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


def catalogue_path(language: str, locale_dir: Path | None = None) -> Path:
    return (locale_dir or LOCALE_DIR) / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _stamp(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@lru_cache(maxsize=64)
def _compiled(path: Path, stamp: float) -> tuple[gettext.NullTranslations, int]:
    """The catalogue at `path` compiled in memory, and how many messages it translates.
    Keyed by the file's modification time, so an edited `.po` is read again."""
    if stamp < 0:
        return gettext.NullTranslations(), 0
    with path.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=False)
    translated = sum(
        1
        for message in catalog
        if message.id
        and not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else message.string)
    )
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer), translated


def _catalogue(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return _ENGLISH
    path = catalogue_path(language)
    return _compiled(path, _stamp(path))[0]


_ENGLISH = gettext.NullTranslations()


_available: tuple[float, Path, list[str]] | None = None
AVAILABLE_TTL = 5.0  # seconds: every request asks (the middleware); a new catalogue shows soon


def available_languages() -> list[str]:
    """The interface languages a reader may choose: English (the source) first, then each
    language whose catalogue translates at least one message. An empty catalogue (a
    translation not started) is not offered: the reader would get English anyway."""
    global _available
    now = time.monotonic()
    if (
        _available is not None
        and _available[1] == LOCALE_DIR
        and now - _available[0] < AVAILABLE_TTL
    ):
        return list(_available[2])
    found = []
    for code in LANGUAGES:
        if code == DEFAULT_LANGUAGE:
            continue
        path = catalogue_path(code)
        if _compiled(path, _stamp(path))[1] > 0:
            found.append(code)
    _available = (now, LOCALE_DIR, [DEFAULT_LANGUAGE, *found])
    return list(_available[2])


def supported(code: str) -> str | None:
    """`code` (any case, with or without a region: pt-BR, PT) as one of LANGUAGES, or None."""
    primary = code.strip().split("-")[0].split("_")[0].lower()
    return primary if primary in LANGUAGES else None


def direction(language: str | None = None) -> str:
    """ "rtl" for a language written right to left (Arabic), else "ltr"."""
    found = LANGUAGES.get(language or current_language.get())
    return found.direction if found else "ltr"


def _fill(text: str, source: str, fields: dict[str, Any]) -> str:
    """`text` with its fields filled; a translation whose fields do not match the message
    (the catalogue tests refuse it, but a catalogue may be edited on a running node) falls
    back to the English rather than failing the page."""
    try:
        return text.format(**fields)
    except (KeyError, IndexError, ValueError, AttributeError):
        return source.format(**fields)


def _(message: str, **fields: Any) -> str:
    """The message in the current language, with `{name}` fields filled in."""
    text = _catalogue(current_language.get()).gettext(message)
    return _fill(text, message, fields) if fields else text


def ngettext(singular: str, plural: str, n: int, **fields: Any) -> str:
    """The singular or plural form that the current language uses for `n`; `{n:,}` is written
    with the language's digit grouping (1,000 / 1 000 / 1.000, see _Count)."""
    text = _catalogue(current_language.get()).ngettext(singular, plural, n)
    source = singular if n == 1 else plural
    return _fill(text, source, {"n": _Count(n), **fields})


class _Count(int):
    """The `n` of a plural message: `{n:,}` is written with the language's digit grouping
    (1,000 / 1 000 / 1.000) where English would write 1,000; `{n}` and any other spec are
    int's own (the message chooses: ARCHITECTURE.md, messages for translators)."""

    def __format__(self, spec: str) -> str:
        if spec == ",":
            return format_number(int(self))
        return int.__format__(self, spec)


# ---- dates and numbers, the way the reader's language writes them (Babel's CLDR data) -----


def format_moment(moment: Any) -> str:
    """A date and time to the minute in the current language, in UTC as the pages always
    showed: "6 déc. 2026, 19:12", "Dec 6, 2026, 7:12 PM" (the language's own medium date,
    short time and the pattern joining them, from CLDR)."""
    from babel import Locale
    from babel.dates import format_date, format_time

    if moment is None:
        return ""
    lang = current_language.get()
    day = format_date(moment, "medium", locale=lang)
    time = format_time(moment, "short", tzinfo=UTC, locale=lang)
    pattern = str(Locale.parse(lang).datetime_formats["medium"])
    return pattern.replace("{1}", day).replace("{0}", time)


EN_DASH = " \u2013 "  # between the two ends of a span


def format_span(start: Any, end: Any) -> str:
    """From `start` to `end` (naive wall-clock times, written as they are), in the current
    language: "1 mars 2027, 09:00 - 13:30" (an en dash), or both dates over several days."""
    from babel import Locale
    from babel.dates import format_date, format_time

    lang = current_language.get()
    if start.date() != end.date():
        return f"{format_moment(start)}{EN_DASH}{format_moment(end)}"
    day = format_date(start, "medium", locale=lang)
    times = EN_DASH.join(format_time(t, "short", tzinfo=UTC, locale=lang) for t in (start, end))
    pattern = str(Locale.parse(lang).datetime_formats["medium"])
    return pattern.replace("{1}", day).replace("{0}", times)


def format_day(moment: Any, format: str = "medium") -> str:
    """A date alone in the current language: "6 déc. 2026"."""
    from babel.dates import format_date

    if moment is None:
        return ""
    return format_date(moment, format, locale=current_language.get())


def format_number(number: Any) -> str:
    """A count or decimal with the current language's separators: 1,000 / 1 000 / 1.000."""
    from babel.numbers import format_decimal

    return format_decimal(number, locale=current_language.get())


def format_size(size: int) -> str:
    """A file size in the current language, decimal units as file managers show them:
    "193 bytes", "2.4 kB", "2,4 ko", "10,5 Mo" (CLDR's short unit names)."""
    from babel.units import format_unit

    if size < 1000:
        return ngettext("{n} byte", "{n} bytes", size)
    value, unit = size / 1000, "kilobyte"
    for larger in ("megabyte", "gigabyte"):
        if value < 1000:
            break
        value, unit = value / 1000, larger
    shown = round(value, 1) if value < 100 else round(value)
    return str(format_unit(shown, f"digital-{unit}", length="short", locale=current_language.get()))
