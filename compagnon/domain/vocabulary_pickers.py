"""The vocabularies a trainer picks values from when describing a resource on the web, each as
(code, label) pairs: the code is what the form field holds and what domain/resources.py reads
(`normalised` turns it into the canonical form), the label what the trainer sees, in their
language where the vocabulary has it (English otherwise, domain/vocabularies.py).

`search` serves the search-as-you-type pickers (GET /vocabularies/{name}); `short_code`
turns a stored canonical value back into the code a form shows; `label_of` names a code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from compagnon.domain.resources import (
    DIGCOMP,
    ESCO_OCCUPATION,
    ESCO_SKILL,
    ISCO,
    competence_ref,
    occupation_uri,
)
from compagnon.domain.search_query import competence_label, occupation_label
from compagnon.domain.vocabularies import vocabulary

MAX_RESULTS = 20
MAX_QUERY = 100


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


def _concepts(name: str, kind: str | None = None) -> Iterator[tuple[str, str]]:
    """(key, vocabulary name) of the concepts of `name`, of one `kind` when given."""
    vocab = vocabulary(name)
    for key in vocab:
        if kind is None or vocab[key].attributes.get("kind") == kind:
            yield key, name


def _choices(picker: str, lang: str) -> Iterator[Choice]:
    if picker == "competences":
        for key, _name in _concepts("digcomp", "competence"):
            concept = vocabulary("digcomp")[key]
            code = str(concept.attributes.get("code", key))
            yield Choice(f"digcomp:{code}", f"DigComp {code} · {concept.label(lang)}")
        for key, _name in _concepts("digcompedu", "competence"):
            label = vocabulary("digcompedu")[key].label(lang)
            yield Choice(f"digcompedu:{key}", f"DigCompEdu {key} · {label}")
        for key, _name in _concepts("esco-skills"):
            yield Choice(f"esco:{key}", vocabulary("esco-skills")[key].label(lang))
    elif picker == "occupations":
        for key, _name in _concepts("esco-occupations"):
            yield Choice(key, vocabulary("esco-occupations")[key].label(lang))
        for key, _name in _concepts("isco-08", "unit group"):
            yield Choice(key, f"ISCO {key} · {vocabulary('isco-08')[key].label(lang)}")
    elif picker == "isced-f":
        for key, _name in _concepts("isced-f", "detailed field"):
            yield Choice(key, f"{key} · {vocabulary('isced-f')[key].label(lang)}")
    else:
        vocab = vocabulary(picker)
        for key in vocab:
            yield Choice(key, vocab[key].label(lang))


PICKERS = ("competences", "occupations", "isced-f", "eqf", "hcrt", "lrmi-audience", "licences")


def choices(picker: str, lang: str) -> list[Choice]:
    """Every value of a picker (`PICKERS`), in the vocabulary's order."""
    if picker not in PICKERS:
        raise KeyError(picker)
    return list(_choices(picker, lang))


def search(picker: str, query: str, lang: str, limit: int = MAX_RESULTS) -> list[Choice]:
    """The values whose label (or code) holds every word of `query`; labels starting with
    the query first. An empty query gives the first values."""
    words = query.casefold().split()[:10] if len(query) <= MAX_QUERY else []
    if len(query) > MAX_QUERY:
        return []
    found = []
    for choice in _choices(picker, lang) if picker in PICKERS else ():
        text = f"{choice.label} {choice.code}".casefold()
        if all(word in text for word in words):
            found.append(choice)
    wanted = query.strip().casefold()
    found.sort(key=lambda c: (not c.label.casefold().startswith(wanted), c.label.casefold()))
    return found[:limit]


def short_code(value: str) -> str:
    """The code a form shows for a stored competence or occupation (canonical URI or
    `digcompedu:N.N`); anything else as it is."""
    if value.startswith(DIGCOMP):
        concept = vocabulary("digcomp").concepts.get(value[len(DIGCOMP) :])
        if concept is not None:
            return f"digcomp:{concept.attributes.get('code', concept.key)}"
    if value.startswith(ESCO_SKILL):
        return "esco:" + value[len(ESCO_SKILL) :]
    if value.startswith(ESCO_OCCUPATION):
        return value[len(ESCO_OCCUPATION) :]
    if value.startswith(ISCO):
        return value[len(ISCO) :]
    return value


def label_of(kind: str, code: str, lang: str) -> str | None:
    """The label of a code typed in a competence or occupation field; None when unknown."""
    if kind == "occupations":
        return occupation_label(occupation_uri(code), lang)
    return competence_label(competence_ref(code), lang)
