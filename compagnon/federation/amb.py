"""A learning resource as an AMB record (the JSON-LD profile OER aggregators harvest:
https://w3id.org/kim/amb/latest/, shared/reference/learning-resource.amb.json), built from
the stored wire document, ours or a peer's alike, so every node describes every resource it
holds the same way.

AMB is stricter than our wire format, and the record keeps to AMB's JSON Schema:
- languages are ISO 639-1 two-letter codes (`pt-PT` is written `pt`; a language with no
  two-letter code is left out), and so are the keys of every `prefLabel`;
- `license` only names open licences (Creative Commons here): other terms are left out;
- `educationalLevel` and `about` take German KIM lists only, so the EQF level and the ISCED-F
  field travel in `educationalAlignment`, as on the wire;
- every creator, publisher and source (`isBasedOn`) needs a name: the caller gives the names
  it knows; a source of unknown name is named by its address.
A peer's document is read defensively: a value of the wrong shape is left out, never an
error, and every URL goes through the one URL rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from compagnon.domain.resources import LRMI_AUDIENCE
from compagnon.domain.safe_urls import http_url
from compagnon.domain.vocabularies import vocabulary

AMB_CONTEXT = "https://w3id.org/kim/amb/context.jsonld"
AMB_SUFFIX = "/amb"  # our resource at /objects/{id} has its record at /objects/{id}/amb
MEDIA_TYPE = "application/ld+json"
# ISO 639-1 as AMB's schema lists it (schemas/language.json, 2023-10-19).
TWO_LETTER = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la
    lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj
    om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv
    sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh
    zu""".split()  # noqa: SIM905 - 183 codes read better as text
)
ENCODING_FORMAT_RE = re.compile(
    r"^(application|audio|example|font|image|message|model|multipart|text|video)/[a-zA-Z0-9\-+_.]+$"
)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")
ALIGNMENT_KEYS = ("alignmentType", "educationalFramework", "targetName", "targetUrl")


def record_link(object_uri: str) -> dict[str, str]:
    """The `url` Link to the record of one of our resources, as the reference sends it."""
    return {
        "type": "Link",
        "rel": "describedby",
        "mediaType": MEDIA_TYPE,
        "href": object_uri + AMB_SUFFIX,
    }


def two_letter(tag: object) -> str | None:
    """The ISO 639-1 code of a BCP 47 tag (`pt-PT` → `pt`), or None when it has none."""
    if not isinstance(tag, str):
        return None
    primary = tag.split("-")[0].lower()
    return primary if primary in TWO_LETTER else None


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _id(value: Any) -> str | None:
    return http_url(value.get("id") if isinstance(value, dict) else value)


def _language_map(value: Any) -> dict[str, str]:
    """A language map with two-letter keys only (the first text of each language kept)."""
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for tag, text in value.items():
            lang = two_letter(tag)
            if lang and isinstance(text, str) and text and lang not in found:
                found[lang] = text
    return found


def _concepts(value: Any, *, typed: bool = False) -> list[dict[str, Any]]:
    found = []
    for item in _items(value):
        uri = _id(item)
        if uri is None:
            continue
        concept: dict[str, Any] = {"id": uri}
        if typed:
            concept["type"] = "Concept"
        labels = _language_map(item.get("prefLabel")) if isinstance(item, dict) else {}
        if labels:
            concept["prefLabel"] = labels
        found.append(concept)
    return found


def _date(value: Any) -> str | None:
    """The calendar date of an ISO 8601 timestamp, when it is a real date."""
    if not isinstance(value, str) or not DATE_RE.match(value):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _text_in(doc: dict[str, Any], key: str, primary: str | None) -> str | None:
    """The primary language's text of a language map (or a plain string)."""
    value = doc.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        texts = [(k, v) for k, v in value.items() if isinstance(v, str) and v]
        for tag, text in texts:
            if primary and two_letter(tag) == primary:
                return text
        return texts[0][1] if texts else None
    return None


def _encodings(doc: dict[str, Any]) -> list[dict[str, str]]:
    found = []
    for item in _items(doc.get("attachment")):
        if not isinstance(item, dict):
            continue
        url = http_url(item.get("url") if isinstance(item.get("url"), str) else item.get("href"))
        if url is None:
            continue
        encoding = {"type": "MediaObject", "contentUrl": url}
        media_type = item.get("mediaType")
        if isinstance(media_type, str) and ENCODING_FORMAT_RE.match(media_type):
            encoding["encodingFormat"] = media_type
        size = item.get("contentSize")
        if isinstance(size, str) and size.isascii() and size.isdigit():
            encoding["contentSize"] = size
        found.append(encoding)
    return found


def _alignments(doc: dict[str, Any]) -> list[dict[str, str]]:
    found = []
    for item in _items(doc.get("educationalAlignment")):
        if not isinstance(item, dict) or http_url(item.get("targetUrl")) is None:
            continue
        alignment = {"type": "AlignmentObject"}
        alignment.update({k: item[k] for k in ALIGNMENT_KEYS if isinstance(item.get(k), str)})
        found.append(alignment)
    return found


def _linked(value: Any, names: Mapping[str, str], *, name_required: bool) -> list[dict[str, str]]:
    found = []
    for item in _items(value):
        uri = _id(item)
        if uri is None:
            continue
        entry = {"id": uri}
        name = names.get(uri) or (uri if name_required else None)
        if name:
            entry["name"] = name
        found.append(entry)
    return found


def amb_record(
    doc: dict[str, Any],
    *,
    record_url: str,
    provider_url: str,
    provider_name: str,
    names: Mapping[str, str] | None = None,
    actor_types: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The AMB record of the learning resource whose wire document is `doc`, served at
    `record_url` by the node at `provider_url`. `names` maps the URIs of the creator,
    publisher, sources and collections to their names where known; `actor_types` says
    which actors are Organizations (the others are Persons)."""
    names = names or {}
    actor_types = actor_types or {}
    languages = list(dict.fromkeys(filter(None, map(two_letter, _items(doc.get("inLanguage"))))))
    title_map = doc.get("nameMap") if isinstance(doc.get("nameMap"), dict) else {}
    primary = next(filter(None, map(two_letter, title_map or {})), None) or (
        languages[0] if languages else "en"
    )
    record: dict[str, Any] = {
        "@context": [
            AMB_CONTEXT,
            {"@language": primary},
            # As the reference record: URLs, durations and language codes are not text in
            # the record's language.
            {
                "targetUrl": {"@id": "http://schema.org/targetUrl", "@type": "@id"},
                "timeRequired": {"@id": "http://schema.org/timeRequired", "@language": None},
                "inLanguage": {"@id": "http://schema.org/inLanguage", "@language": None},
            },
        ],
        "id": doc.get("id"),
        "type": ["LearningResource"],
        "name": _text_in(doc, "nameMap", primary) or _text_in(doc, "name", primary) or "",
    }
    description = _text_in(doc, "description", primary)
    if description:
        record["description"] = description
    creators = []
    for uri in [_id(x) for x in _items(doc.get("creator") or doc.get("attributedTo"))]:
        if uri and names.get(uri):
            kind = "Organization" if actor_types.get(uri) == "Organization" else "Person"
            creators.append({"type": kind, "id": uri, "name": names[uri]})
    if creators:
        record["creator"] = creators
    publishers = [
        {"type": "Organization", "id": uri, "name": names[uri]}
        for uri in (_id(x) for x in _items(doc.get("publisher")))
        if uri and names.get(uri)
    ]
    if publishers:
        record["publisher"] = publishers
    licence = _id(doc.get("license"))
    if licence and licence in vocabulary("licences"):
        record["license"] = {"id": licence}
    if languages:
        record["inLanguage"] = languages
    keywords = [k for k in _items(doc.get("keywords")) if isinstance(k, str)]
    if keywords:
        record["keywords"] = keywords
    published, modified = _date(doc.get("published")), _date(doc.get("updated"))
    if published:
        record["datePublished"] = published
    if modified:
        record["dateModified"] = modified
    record["isAccessibleForFree"] = True
    record["conditionsOfAccess"] = {
        "id": "http://w3id.org/kim/conditionsOfAccess/no_login",
        "type": "Concept",
    }
    resource_types = _concepts(doc.get("learningResourceType"), typed=True)
    if any(t["id"].startswith("https://w3id.org/kim/hcrt/") for t in resource_types):
        record["learningResourceType"] = resource_types  # AMB wants one HCRT type at least
    audiences = [
        a
        for a in _concepts(doc.get("educationalAudience"), typed=True)
        if a["id"].startswith(LRMI_AUDIENCE)
    ]
    if audiences:
        record["audience"] = audiences
    for name in ("teaches", "assesses", "competencyRequired"):
        concepts = _concepts(doc.get(name))
        if concepts:
            record[name] = concepts
    occupations = _concepts(doc.get("occupation"))
    if occupations:
        record["occupationalCategory"] = occupations
    alignments = _alignments(doc)
    if alignments:
        record["educationalAlignment"] = alignments
    time_required = doc.get("timeRequired")
    if isinstance(time_required, str) and time_required:
        record["timeRequired"] = time_required
    sources = _linked(doc.get("isBasedOn"), names, name_required=True)
    if sources:
        record["isBasedOn"] = sources
    collections = _linked(doc.get("isPartOf"), names, name_required=False)
    if collections:
        record["isPartOf"] = collections
    encodings = _encodings(doc)
    if encodings:
        record["encoding"] = encodings
    page: dict[str, Any] = {
        "id": record_url,
        "type": "WebContent",
        "provider": {"id": provider_url, "type": "Organization", "name": provider_name},
    }
    if published:
        page["dateCreated"] = published
    if modified or published:
        page["dateModified"] = modified or published
    record["mainEntityOfPage"] = [page]
    return record


def linked_uris(doc: dict[str, Any]) -> list[str]:
    """The URIs whose names a record of `doc` shows: creator, publisher, sources,
    collections (for the caller to look up)."""
    found = []
    for key in ("creator", "attributedTo", "publisher", "isBasedOn", "isPartOf"):
        found += [uri for uri in (_id(x) for x in _items(doc.get(key))) if uri]
    return list(dict.fromkeys(found))


def script_json(record: dict[str, Any]) -> str:
    """The record as the text of an HTML `<script type="application/ld+json">` data block:
    `<`, `>` and `&` escaped as JSON escapes, so no `</script>` (nor `<!--`) in a title can
    end the block early; a JSON-LD reader sees the same strings."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
