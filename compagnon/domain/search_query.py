"""What a search asks for, read from the parameters of `GET /search`, and the labels its
facets are shown with. Pure: the storage query is storage/queries/search.py.

Every parameter is checked here so the page can answer a bad one with a plain 400; the text
is cut into words (letters and digits only), so nothing a person types reaches the full-text
engines as syntax.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError

from compagnon.domain.collections import search_type_label
from compagnon.domain.facets import DIGCOMP, PREFIX_LENGTHS, QUESTION_KIND, words
from compagnon.domain.resources import ESCO_OCCUPATION, ISCO
from compagnon.domain.vocabularies import vocabulary
from compagnon.i18n import _, ngettext

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_WORD_CHARS = 40
MAX_CURSOR = 2**63 - 1
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
FACETS = (
    "lang",
    "eqf",
    "field",
    "type",
    "licence",
    "competence",
    "occupation",
    "country",
    "centre",
)


class BadSearch(ValueError):
    """A parameter the page cannot use; the message is shown to the person as it is."""


@dataclass(frozen=True)
class SearchFilters:
    words: tuple[str, ...] = ()
    lang: str | None = None
    eqf: int | None = None
    field: str | None = None  # ISCED-F detailed field
    type: str | None = None  # HCRT key, or "module" / "journey"
    licence: str | None = None
    competence: str | None = None
    occupation: str | None = None  # an ESCO occupation or ISCO-08 group URI
    country: str | None = None  # the origin node's country, ISO 3166-1 alpha-2
    centre: str | None = None  # the origin node's host ("which centre")

    def facet(self, name: str) -> str | None:
        value = getattr(self, name)
        return None if value is None else str(value)


@dataclass(frozen=True)
class SearchRequest:
    text: str
    filters: SearchFilters
    before: int | None = None  # keyset cursor: the sort key of the last result shown


def query_words(text: str) -> tuple[str, ...]:
    found = tuple(w[:MAX_WORD_CHARS] for w in words(text))
    if len(found) > MAX_WORDS:
        raise BadSearch(
            ngettext("Search with at most {n} word.", "Search with at most {n} words.", MAX_WORDS)
        )
    return found


def _param(params: Mapping[str, str], name: str, pattern: str, message: str) -> str | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    # ASCII: `\d` alone also takes "٣" and other scripts' digits, which int() reads as well.
    if len(value) > 512 or not re.fullmatch(pattern, value, re.ASCII):
        raise BadSearch(message)
    return value


def parse(params: Mapping[str, str]) -> SearchRequest:
    """The search a query string asks for; BadSearch names the first unusable parameter."""
    text = params.get("q") or ""
    if len(text) > MAX_QUERY_CHARS:
        raise BadSearch(
            ngettext(
                "Search text is at most {n} character.",
                "Search text is at most {n} characters.",
                MAX_QUERY_CHARS,
            )
        )
    eqf = _param(params, "eqf", r"[1-8]", _("EQF levels go from 1 to 8."))
    before = _param(params, "before", r"\d{1,19}", _("That page link is broken; search again."))
    if before is not None and int(before) > MAX_CURSOR:
        raise BadSearch(_("That page link is broken; search again."))
    filters = SearchFilters(
        words=query_words(text),
        lang=_param(params, "lang", r"[a-z]{2,3}", _("A language is a code such as en or pt.")),
        eqf=int(eqf) if eqf else None,
        field=_param(params, "field", r"\d{4}", _("A field of education is a 4-digit code.")),
        type=_param(params, "type", r"[a-z_]{1,64}", _("Unknown resource type.")),
        licence=_param(params, "licence", r"https?://\S+", _("Unknown licence.")),
        competence=_param(
            params, "competence", r"(https?://\S+|digcompedu:\d\.\d)", _("Unknown competence.")
        ),
        occupation=_param(params, "occupation", r"https?://\S+", _("Unknown occupation.")),
        country=_param(params, "country", r"[A-Z]{2}", _("A country is a code such as PT or FR.")),
        centre=_param(params, "centre", r"[a-z0-9.\-]{1,253}(:\d{1,5})?", _("Unknown centre.")),
    )
    return SearchRequest(text=text.strip(), filters=filters, before=int(before) if before else None)


def as_prefix(word: str) -> bool:
    """Words of 3 to 8 letters also find the longer words they begin ("weld" finds
    "welding"); shorter ones would match too much, longer ones are typed whole."""
    return len(word) in PREFIX_LENGTHS


def fts5_query(terms: tuple[str, ...]) -> str:
    """SQLite FTS5 MATCH text: every word, quoted (so none is an operator). Prefixes are
    looked up as the whole tokens the index stores for them (column `prefixes`): FTS5's own
    `"word"*` merges every matching doclist before the first row, ~300 ms for a common word
    at a million resources, where a token's doclist is read lazily, newest first."""
    return " AND ".join(
        f'{{prefixes}} : "{w}"' if as_prefix(w) else f'{{words}} : "{w}"' for w in terms
    )


def to_params(request: SearchRequest, **changes: Any) -> dict[str, str]:
    """The query string of a link: this search with some facets changed (None drops one)."""
    params: dict[str, str] = {"q": request.text} if request.text else {}
    for name in FACETS:
        value = changes[name] if name in changes else request.filters.facet(name)
        if value is not None:
            params[name] = str(value)
    return params


def label(facet: str, value: str, stored: str = "", lang: str = "en") -> str:
    """How a facet value is shown: its vocabulary label in `lang` (English when missing),
    else the label the document carried, else the value itself."""
    found: str | None = None
    if facet == "eqf":
        found = vocabulary("eqf").label(value, lang)
    elif facet == "field":
        found = vocabulary("isced-f").label(value, lang)
    elif facet == "type" and value == QUESTION_KIND:
        return _("Quiz (question)")
    elif facet == "type":
        found = search_type_label(value) or vocabulary("hcrt").label(value, lang)
    elif facet == "licence":
        licences = vocabulary("licences")
        if value in licences:
            return str(licences[value].attributes["short"])
        return _("not open: {terms}", terms=stored or value)
    elif facet == "lang":
        return value
    elif facet == "country":
        found = country_name(value, lang)
    elif facet == "competence":
        found = competence_label(value, lang)
    elif facet == "occupation":
        found = occupation_label(value, lang)
    return found or stored or value


def country_name(code: str, lang: str = "en") -> str | None:
    """A country's name in `lang` (Babel's CLDR data), None when unknown."""
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None
    name = locale.territories.get(code)
    return str(name) if name else None


def occupation_label(uri: str, lang: str = "en") -> str | None:
    """The shipped label of an ESCO occupation or ISCO-08 group URI; None for any other."""
    if uri.startswith(ESCO_OCCUPATION):
        return vocabulary("esco-occupations").label(uri[len(ESCO_OCCUPATION) :], lang)
    if uri.startswith(ISCO):
        return vocabulary("isco-08").label(uri[len(ISCO) :], lang)
    return None


def competence_label(term: str, lang: str = "en") -> str | None:
    """The shipped label of a competence search term: a DigComp URI, `digcompedu:{code}`,
    or an ESCO skill URI; None for any other."""
    if term.startswith(DIGCOMP):
        return vocabulary("digcomp").label(term[len(DIGCOMP) :], lang)
    if term.startswith("digcompedu:"):
        return vocabulary("digcompedu").label(term.split(":", 1)[1], lang)
    if term.startswith(ESCO_SKILL):
        return vocabulary("esco-skills").label(term[len(ESCO_SKILL) :], lang)
    return None
