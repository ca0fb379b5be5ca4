"""An AMB record (one line of `compagnon catalogue export`) back into the AS2 document this
node keeps for a peer's learning resource, so search, the resource's page and its own AMB
record work on it as on one received by federation. Pure: no storage.

The record comes from a file, from outside: every value is read defensively (URLs through
the one URL rule, strings checked for type and length) and a record that cannot be a
resource raises `BadRecord` with a sentence naming the field.

Names AMB carries (creators, publishers, sources, collections) are kept in the document as
`{"id", "name"}`, so the record made again here names them as the exporting node did.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from compagnon.domain.safe_urls import http_url
from compagnon.federation.jsonld import AS_PUBLIC, OUR_CONTEXT
from compagnon.federation.urls import host_of
from compagnon.i18n import _

PROVENANCE = "compagnonProvenance"  # where an imported record came from, kept in `raw`
MAX_TEXT = 20_000
MAX_ITEMS = 200
ACTOR_KINDS = {"Person", "Organization"}
CONCEPT_FIELDS = {
    "learningResourceType": "learningResourceType",
    "audience": "educationalAudience",
    "teaches": "teaches",
    "assesses": "assesses",
    "competencyRequired": "competencyRequired",
    "occupationalCategory": "occupation",
}


class BadRecord(ValueError):
    """A line that is not an AMB record this node can keep."""


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return (value if isinstance(value, list) else [value])[:MAX_ITEMS]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value and len(value) <= MAX_TEXT else None


def _id(value: Any) -> str | None:
    return http_url(value.get("id") if isinstance(value, dict) else value)


def _named(value: Any, kinds: set[str] | None = None) -> list[dict[str, str]]:
    """`{"id", "name"[, "type"]}` items with a usable id."""
    found = []
    for item in _list(value):
        uri = _id(item)
        if uri is None:
            continue
        entry = {"id": uri}
        if isinstance(item, dict):
            name = _text(item.get("name"))
            if name:
                entry["name"] = name[:500]
            if kinds is not None and item.get("type") in kinds:
                entry["type"] = item["type"]
        found.append(entry)
    return found


def _concepts(value: Any) -> list[dict[str, Any]]:
    found = []
    for item in _list(value):
        uri = _id(item)
        if uri is None:
            continue
        concept: dict[str, Any] = {"id": uri}
        labels = item.get("prefLabel") if isinstance(item, dict) else None
        if isinstance(labels, dict):
            kept = {k: v for k, v in labels.items() if isinstance(k, str) and _text(v)}
            if kept:
                concept["prefLabel"] = kept
        found.append(concept)
    return found


def _date(value: Any, field: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat() + "T00:00:00Z"
    except ValueError:
        raise BadRecord(_("{field}: not a date (YYYY-MM-DD)", field=field)) from None


def primary_language(record: dict[str, Any]) -> str:
    for part in _list(record.get("@context")):
        if isinstance(part, dict) and isinstance(part.get("@language"), str):
            return str(part["@language"])[:8]
    languages = [x for x in _list(record.get("inLanguage")) if isinstance(x, str)]
    return languages[0][:8] if languages else "en"


def creator_of(record: dict[str, Any]) -> dict[str, str]:
    """Who the resource is by here: its first creator, else its first publisher."""
    people = _named(record.get("creator"), ACTOR_KINDS) or _named(
        record.get("publisher"), ACTOR_KINDS
    )
    if not people:
        raise BadRecord(_("creator: a record needs a creator or a publisher with an id"))
    return people[0]


def document_from_record(record: Any) -> dict[str, Any]:
    """The AS2 document of the resource an AMB record describes."""
    if not isinstance(record, dict):
        raise BadRecord(_("not an AMB record (a JSON object)"))
    uri = http_url(record.get("id"))
    if uri is None:
        raise BadRecord(_("id: a record needs the resource's http(s) address"))
    types = _list(record.get("type"))
    if "LearningResource" not in types:
        raise BadRecord(_("type: not a LearningResource"))
    name = _text(record.get("name"))
    if name is None:
        raise BadRecord(_("name: a record needs a title"))
    creator = creator_of(record)
    if host_of(creator["id"]) != host_of(uri):
        raise BadRecord(_("creator: not on the resource's host"))
    lang = primary_language(record)
    doc: dict[str, Any] = {
        "@context": OUR_CONTEXT,
        "id": uri,
        "type": ["Note", "LearningResource"],
        "attributedTo": creator["id"],
        "name": name,
        "nameMap": {lang: name},
        "to": [AS_PUBLIC],
        "cc": [],
        "creator": _named(record.get("creator"), ACTOR_KINDS),
    }
    description = _text(record.get("description"))
    if description:
        doc["description"] = {lang: description}
        doc["content"] = f"<p>{html.escape(description)}</p>"
    publishers = _named(record.get("publisher"), ACTOR_KINDS)
    if publishers:
        doc["publisher"] = publishers
    licence = _id(record.get("license"))
    if licence:
        doc["license"] = licence
    languages = [x for x in _list(record.get("inLanguage")) if isinstance(x, str) and len(x) < 36]
    if languages:
        doc["inLanguage"] = languages
    keywords = [k for k in _list(record.get("keywords")) if _text(k)]
    if keywords:
        doc["keywords"] = keywords
    published = _date(record.get("datePublished"), "datePublished")
    modified = _date(record.get("dateModified"), "dateModified")
    if published:
        doc["published"] = published
    if modified:
        doc["updated"] = modified
    for amb_name, wire_name in CONCEPT_FIELDS.items():
        concepts = _concepts(record.get(amb_name))
        if concepts:
            doc[wire_name] = concepts
    alignments = [
        {k: v for k, v in item.items() if isinstance(v, str) and len(v) <= MAX_TEXT}
        for item in _list(record.get("educationalAlignment"))
        if isinstance(item, dict) and http_url(item.get("targetUrl")) is not None
    ]
    if alignments:
        doc["educationalAlignment"] = alignments
    time_required = _text(record.get("timeRequired"))
    if time_required and len(time_required) <= 64:
        doc["timeRequired"] = time_required
    for field in ("isBasedOn", "isPartOf"):
        linked = _named(record.get(field))
        if linked:
            doc[field] = linked
    attachments = []
    for item in _list(record.get("encoding")):
        url = http_url(item.get("contentUrl")) if isinstance(item, dict) else None
        if url is None:
            continue
        attachment = {"type": "Document", "url": url}
        for key, wire in (("encodingFormat", "mediaType"), ("contentSize", "contentSize")):
            if _text(item.get(key)) and len(item[key]) <= 255:
                attachment[wire] = item[key]
        attachments.append(attachment)
    if attachments:
        doc["attachment"] = attachments
    return doc


def with_provenance(doc: dict[str, Any], file_name: str, when: str) -> dict[str, Any]:
    """The document marked as imported from a file (where and when)."""
    return {**doc, PROVENANCE: {"route": "file", "file": file_name[-255:], "imported": when}}


def imported_from_file(doc: dict[str, Any] | None) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get(PROVENANCE), dict)


def same_resource(held: dict[str, Any] | None, doc: dict[str, Any]) -> bool:
    """The held document says what `doc` says (provenance aside)."""
    if held is None:
        return False
    strip = {PROVENANCE}
    return {k: v for k, v in held.items() if k not in strip} == {
        k: v for k, v in doc.items() if k not in strip
    }
