"""The OAI sets a record belongs to, and which objects are records at all. Pure: read from
the AS2 document (domain/facets.py) and the country of the record's node.

Sets are hierarchical (`isced:0715` is inside `isced`), as OAI-PMH defines a colon in a
setSpec: a record is in every parent of its sets.

What is stored (records.py, migration 0028) is a record's `Membership`: its country, field
and level as columns of its record, and one row per language (a record may have several).
Parents are not stored: `isced` is "has a field". Each membership costs no row beyond the
record's own except its languages', where it cost 6-8 rows before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from compagnon.domain import facets
from compagnon.domain.vocabularies import label

COUNTRY, ISCED, EQF, LANG = "country", "isced", "eqf", "lang"
PARENTS = (COUNTRY, ISCED, EQF, LANG)
COUNTRY_RE = re.compile(r"[A-Z]{2}")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}")
SET_SPEC_RE = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")


def shown_in_harvests(doc: dict[str, Any], author_consents: bool) -> bool:
    """A record is a listed object (facets.is_listed) addressed to the public (not unlisted),
    by an actor that consents to indexing (domain/consent.py: `consents`, from the actor's
    stored `indexable` / `discoverable`)."""
    return author_consents and facets.is_listed(doc) and facets.visibility(doc) == "public"


def country_of_actor_document(doc: dict[str, Any] | None) -> str | None:
    """The country an actor document (or our centre's profile in `raw`) names."""
    if not isinstance(doc, dict):
        return None
    for key in ("addressCountry", "country"):
        value = doc.get(key)
        if isinstance(value, str) and COUNTRY_RE.fullmatch(value.strip().upper()):
            return value.strip().upper()
    return None


def languages(doc: dict[str, Any]) -> list[str]:
    """Every language of the resource (primary subtags, lower case), primary first."""
    value = doc.get("inLanguage")
    tags = [t for t in (value if isinstance(value, list) else [value]) if isinstance(t, str)]
    for key in ("nameMap", "contentMap"):
        if isinstance(doc.get(key), dict):
            tags += [k for k in doc[key] if isinstance(k, str) and k != "und"]
    found = (tag.split("-")[0].lower() for tag in tags)
    return list(dict.fromkeys(t for t in found if LANGUAGE_RE.fullmatch(t)))


@dataclass(frozen=True)
class Membership:
    """Which sets a record is in, as stored: its node's country, its ISCED-F field, its EQF
    level and its languages (primary first)."""

    country: str | None = None
    isced: str | None = None
    eqf: int | None = None
    languages: tuple[str, ...] = ()

    @property
    def specs(self) -> list[str]:
        """The setSpecs, each with its parent set, as a record's header lists them."""
        found: list[str] = []
        if self.country:
            found += [COUNTRY, f"{COUNTRY}:{self.country}"]
        if self.isced:
            found += [ISCED, f"{ISCED}:{self.isced}"]
        if self.eqf is not None:
            found += [EQF, f"{EQF}:{self.eqf}"]
        if self.languages:
            found += [LANG, *(f"{LANG}:{code}" for code in self.languages)]
        return found


def membership(doc: dict[str, Any], country: str | None) -> Membership:
    """The sets of a record: its country, ISCED-F field, EQF level and languages."""
    return Membership(
        country=country or None,
        isced=facets.isced_field(doc) or None,
        eqf=facets.eqf_level(doc),
        languages=tuple(languages(doc)),
    )


def set_specs(doc: dict[str, Any], country: str | None) -> list[str]:
    """The setSpecs of a record, each with its parent set."""
    return membership(doc, country).specs


def languages_text(codes: tuple[str, ...]) -> str | None:
    """The languages as the record's column stores them ("pt fr"; None for none)."""
    return " ".join(codes) or None


def languages_of_text(text: str | None) -> tuple[str, ...]:
    return tuple(text.split()) if text else ()


def set_name(spec: str) -> str:
    """A readable name of a set (English: harvesters are machines and OAI has no language)."""
    kind, _, value = spec.partition(":")
    if not value:
        return {
            COUNTRY: "By country",
            ISCED: "By field of education (ISCED-F 2013)",
            EQF: "By EQF level",
            LANG: "By language",
        }.get(kind, spec)
    if kind == ISCED:
        return f"ISCED-F {value}: {label('isced-f', value, 'en') or value}"
    if kind == EQF:
        return f"EQF level {value}"
    if kind == LANG:
        return f"Language: {value}"
    return f"Country: {value}"
