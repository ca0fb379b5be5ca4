"""The one translation function for every string a person reads.

`_("Search")` returns the message in the language of the current request (or command), and
`_("{n} results", n=3)` fills named fields after translating, so translators see the whole
sentence. Catalogues are GNU gettext `.mo` files under `compagnon/locale/<lang>/LC_MESSAGES/
compagnon.mo`; with none installed (today), every language falls back to the English source
text. The language is a context variable (`current_language`), so no function has to pass it
on; today it stays English, and choosing it per request (the user's setting, then
`Accept-Language`) comes with the catalogues themselves.
Templates call the same function, installed as a Jinja2 global (`{{ _("Log in") }}`).
"""

from __future__ import annotations

import gettext
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "compagnon"
DEFAULT_LANGUAGE = "en"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


@lru_cache(maxsize=32)
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def available_languages() -> list[str]:
    """The languages with a compiled catalogue, English (the source) first."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return [DEFAULT_LANGUAGE, *(lang for lang in found if lang != DEFAULT_LANGUAGE)]


def _(message: str, **fields: Any) -> str:
    """The message in the current language, with `{name}` fields filled in."""
    text = _catalogue(current_language.get()).gettext(message)
    return text.format(**fields) if fields else text


def ngettext(singular: str, plural: str, n: int, **fields: Any) -> str:
    """The singular or plural form that the current language uses for `n`."""
    text = _catalogue(current_language.get()).ngettext(singular, plural, n)
    return text.format(n=n, **fields)
