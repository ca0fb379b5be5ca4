"""Modules and journeys ⇄ ActivityStreams (FEDERATION.md, "Modules and journeys").

On the wire a module or a journey is an `OrderedCollection` as in
shared/reference/learning-journey.example.json, typed `["Note", "OrderedCollection"]` the way
a resource is `["Note", "LearningResource"]`: Mastodon drops a Create of a bare
OrderedCollection (it shows Notes and Questions, converts a few titled types, drops the
rest), and with Note in the type list it shows the readable `content` written here: the
title, the description and the items as an ordered list of links (titles where this node
knows them). Misskey reads the first type, so Note comes first. No `summary`: on a Note it is
a content warning. A journey's phases are embedded OrderedCollections (`{id}#before` ...),
each with its `name`, `orderedItems` and the outcome as `educationalCredentialAwarded`.

The same reader takes our documents and a file in the reference's shape (`compagnon journey
create NAME FILE.json`).
"""

from __future__ import annotations

import html
from typing import Any

from compagnon.domain.collections import (
    JOURNEY,
    MODULE,
    Collection,
    Journey,
    Module,
    Phase,
    collection_kind,
    item_urls,
    phase_key,
    phase_label,
)
from compagnon.domain.resources import Translation
from compagnon.domain.safe_urls import http_url
from compagnon.federation.convert import titled_head
from compagnon.federation.resource_text import written_in
from compagnon.i18n import _
from compagnon.storage.models import Actor, Object


def _link(url: str, text: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'


def _item_list(items: tuple[str, ...], titles: dict[str, str]) -> str:
    if not items:
        return f"<p>{html.escape(_('(no items yet)'))}</p>"
    entries = "".join(f"<li>{_link(item, titles.get(item) or item)}</li>" for item in items)
    return f"<ol>{entries}</ol>"


def readable_content(
    value: Collection,
    uri: str,
    titles: dict[str, str],
    language: str,
    words_in: str | None = None,
) -> str:
    """What a Mastodon user reads, in `language`: Mastodon keeps p, strong, ol, li and a.
    `words_in`: the language of our own words, when not `language` (a card on a page)."""
    with written_in(words_in or language):
        title = value.titles().get(language, value.title)
        description = value.descriptions().get(language, "")
        parts = [f"<p><strong>{html.escape(title)}</strong></p>"]
        if description:
            parts.append(f"<p>{html.escape(description)}</p>")
        if isinstance(value, Module):
            parts.append(_item_list(value.items, titles))
            parts.append(f"<p>{_link(uri, _('Open the module'))}</p>")
        else:
            for phase in value.phases:
                heading = phase.name or phase_label(phase.key)
                parts.append(f"<p><strong>{html.escape(heading)}</strong></p>")
                parts.append(_item_list(phase.items, titles))
                if phase.outcome:
                    parts.append(f"<p>{_link(phase.outcome, _('Outcome'))}</p>")
            parts.append(f"<p>{_link(uri, _('Open the journey'))}</p>")
        return "".join(parts)


def _phase_object(uri: str, phase: Phase) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": f"{uri}#{phase.key}",
        "type": "OrderedCollection",
        "name": phase.name or phase_label(phase.key),
    }
    if phase.start:
        doc["startTime"] = phase.start
    if phase.end:
        doc["endTime"] = phase.end
    if phase.outcome:
        doc["educationalCredentialAwarded"] = phase.outcome
    doc["totalItems"] = len(phase.items)
    doc["orderedItems"] = list(phase.items)
    return doc


def to_collection_object(
    value: Collection, obj: Object, author: Actor, titles: dict[str, str]
) -> dict[str, Any]:
    """The wire object of a (valid, normalised) module or journey stored as `obj`; `titles`
    names the items this node knows."""
    contents = {lang: readable_content(value, obj.uri, titles, lang) for lang in value.titles()}
    doc = titled_head(
        obj, author, "OrderedCollection", value.title, value.titles(), contents, value.language
    )
    doc.update(
        {
            "url": [{"type": "Link", "mediaType": "text/html", "href": obj.uri}],
            "inLanguage": list(value.titles()),
            "creator": [author.uri],
        }
    )
    if value.descriptions():
        doc["description"] = value.descriptions()
    if value.license:
        doc["license"] = value.license
    if isinstance(value, Module):
        doc["totalItems"] = len(value.items)
        doc["orderedItems"] = list(value.items)
    else:
        doc["totalItems"] = len(value.phases)
        doc["orderedItems"] = [_phase_object(obj.uri, phase) for phase in value.phases]
    return doc


# --- reading ---------------------------------------------------------------------------------


class CollectionDocumentError(ValueError):
    """The document is not a module or journey we can read; the message says why."""


def _language_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str) and k}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _titles_and_language(
    doc: dict[str, Any], default_language: str
) -> tuple[str, str, dict[str, str]]:
    names = _language_map(doc.get("nameMap"))
    in_language = doc.get("inLanguage")
    first = in_language[0] if isinstance(in_language, list) and in_language else in_language
    language = next(iter(names), None) or (first if isinstance(first, str) else default_language)
    title = _text(doc.get("name")) or names.get(language, "")
    return title, language, names


def _translations(
    names: dict[str, str], descriptions: dict[str, str], language: str
) -> tuple[Translation, ...]:
    return tuple(
        Translation(lang, text, descriptions.get(lang, ""))
        for lang, text in names.items()
        if lang != language
    )


def collection_from_document(doc: Any, default_language: str = "en") -> Collection:
    """A module or journey from its document (ours, a peer's, or a file in the reference's
    shape). Ids are not read back: publishing mints its own."""
    if not isinstance(doc, dict):
        raise CollectionDocumentError(_("A journey file holds one JSON object."))
    kind = collection_kind(doc)
    if kind is None:
        raise CollectionDocumentError(
            _('The document must be an "OrderedCollection" with "orderedItems".')
        )
    title, language, names = _titles_and_language(doc, default_language)
    descriptions = _language_map(doc.get("description"))
    if isinstance(doc.get("description"), str):
        descriptions = {language: doc["description"]}
    license = _text(doc.get("license"))
    translations = _translations(names, descriptions, language)
    if kind == MODULE:
        return Module(
            title=title,
            language=language,
            description=descriptions.get(language, ""),
            items=tuple(item_urls(doc["orderedItems"])),
            translations=translations,
            license=license,
        )
    phases = []
    for n, phase in enumerate(doc["orderedItems"]):
        outcome = phase.get("educationalCredentialAwarded")
        if isinstance(outcome, list):
            outcome = outcome[0] if outcome else None
        if isinstance(outcome, dict):
            outcome = outcome.get("id")
        phases.append(
            Phase(
                key=phase_key(phase, n),
                name=_text(phase.get("name")),
                items=tuple(_raw_items(phase.get("orderedItems"))),
                outcome=outcome if isinstance(outcome, str) else None,
                start=_text(phase.get("startTime")) or None,
                end=_text(phase.get("endTime")) or None,
            )
        )
    return Journey(
        title=title,
        language=language,
        description=descriptions.get(language, ""),
        phases=tuple(phases),
        license=license,
        translations=translations,
    )


def _raw_items(value: Any) -> list[str]:
    """Items as given (strings, or ids of objects), unsafe ones kept so the checks name them."""
    found: list[str] = []
    for item in value if isinstance(value, list) else []:
        uri = item if isinstance(item, str) else item.get("id") if isinstance(item, dict) else None
        found.append(uri if isinstance(uri, str) else repr(item)[:100])
    return found


def kind_label(kind: str) -> str:
    return _("Journey") if kind == JOURNEY else _("Module")


def outcome_of(phase: dict[str, Any]) -> str | None:
    value = phase.get("educationalCredentialAwarded")
    return http_url(value if isinstance(value, str) else None)
