"""Learning resource ⇄ ActivityStreams, in the wire format of the design
(shared/reference/learning-resource.activity.json): a `["Note", "LearningResource"]` that
Mastodon shows in full, readable `content` in every language of the resource (`contentMap`),
and schema.org metadata through our context (federation/jsonld.py).

No `summary`: Mastodon shows a Note's summary as a content warning, which would fold every
resource behind "Show more". The plain description travels as schema.org `description`, a
language map (our context declares it so), which is what `resource_from_document` and search
read back.

The readable content of each language is written in that language: the few words of our own
("open the resource", units) through `_()` with `current_language` set to it (they are
translated when the catalogues come), the labels of vocabulary values (resource type, EQF
level, field of education) from the vocabulary files in that language, English where a file
has no label in it.
"""

from __future__ import annotations

import re
from typing import Any

from compagnon.domain.resources import (
    DIGCOMP,
    DIGCOMPEDU_PATH_RE,
    DIGCOMPEDU_PREFIX,
    EQF,
    ESCO_OCCUPATION,
    ESCO_SKILL,
    HCRT,
    ISCED_F,
    ISCO,
    LRMI_AUDIENCE,
    Attachment,
    LearningResource,
    Translation,
)
from compagnon.domain.safe_urls import http_url
from compagnon.domain.vocabularies import Vocabulary, vocabulary
from compagnon.federation.amb import record_link
from compagnon.federation.convert import titled_head
from compagnon.federation.resource_text import hashtags, readable_content
from compagnon.storage.models import Actor, Object

# LearningResource attribute → wire name.
COMPETENCE_FIELDS = (
    ("teaches", "teaches"),
    ("assesses", "assesses"),
    ("requires", "competencyRequired"),
)


def _alignments(resource: LearningResource) -> list[dict[str, str]]:
    found = []
    if resource.eqf_level:
        found.append(
            {
                "type": "AlignmentObject",
                "alignmentType": "educationalLevel",
                "educationalFramework": "European Qualifications Framework (EQF)",
                "targetName": vocabulary("eqf").label(str(resource.eqf_level)) or "",
                "targetUrl": f"{EQF}{resource.eqf_level}",
            }
        )
    if resource.isced_field:
        found.append(
            {
                "type": "AlignmentObject",
                "alignmentType": "educationalSubject",
                "educationalFramework": "ISCED-F 2013",
                "targetName": vocabulary("isced-f").label(resource.isced_field)
                or f"ISCED-F {resource.isced_field}",
                "targetUrl": f"{ISCED_F}{resource.isced_field}",
            }
        )
    return found


def _concept(uri: str, vocab: Vocabulary, key: str, typed: bool = False) -> dict[str, Any]:
    concept = vocab.concepts.get(key)
    item: dict[str, Any] = {"id": uri}
    if typed:
        item["type"] = "Concept"
    item["prefLabel"] = dict(concept.labels) if concept else {}
    return item


def competence_uri(ref: str, base: str) -> str:
    """The URI a competence is published under: DigCompEdu's is minted under our base."""
    if ref.startswith(DIGCOMPEDU_PREFIX):
        return f"{base}/vocab/digcompedu/{ref[len(DIGCOMPEDU_PREFIX) :]}"
    return ref


def _competence(ref: str, base: str) -> dict[str, Any]:
    uri = competence_uri(ref, base)
    if ref.startswith(DIGCOMP):
        return _concept(uri, vocabulary("digcomp"), ref[len(DIGCOMP) :])
    if ref.startswith(DIGCOMPEDU_PREFIX):
        return _concept(uri, vocabulary("digcompedu"), ref[len(DIGCOMPEDU_PREFIX) :])
    return _concept(uri, vocabulary("esco-skills"), ref.removeprefix(ESCO_SKILL))


def _occupation(uri: str) -> dict[str, Any]:
    if uri.startswith(ISCO):
        return _concept(uri, vocabulary("isco-08"), uri[len(ISCO) :])
    return _concept(uri, vocabulary("esco-occupations"), uri.removeprefix(ESCO_OCCUPATION))


def _attachment(attachment: Attachment) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "Document"}
    if attachment.media_type:
        item["mediaType"] = attachment.media_type
    item["url"] = attachment.url
    if attachment.name:
        item["name"] = attachment.name
    if attachment.size is not None:
        item["contentSize"] = str(attachment.size)  # schema.org's, in bytes, as AMB writes it
    return item


def _size(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 15:
        return int(value)
    return None


def to_resource_object(
    resource: LearningResource,
    obj: Object,
    author: Actor,
    base: str,
    publisher: str | None = None,
) -> dict[str, Any]:
    """The wire object of a (valid, normalised) resource stored as `obj`; `publisher` is the
    centre's actor."""
    tags = hashtags(resource, base)
    contents = {lang: readable_content(resource, tags, obj.uri, lang) for lang in resource.titles()}
    doc = titled_head(
        obj,
        author,
        "LearningResource",
        resource.title,
        resource.titles(),
        contents,
        resource.language,
    )
    doc.update(
        {
            "url": [
                {"type": "Link", "mediaType": "text/html", "href": obj.uri},
                record_link(obj.uri),  # its AMB record (server/views/resources.py)
            ],
            "tag": tags,
            "license": resource.license,
            "inLanguage": list(resource.in_language),
            "keywords": list(resource.keywords),
            "educationalAlignment": _alignments(resource),
            "creator": [author.uri],
        }
    )
    if resource.url:
        doc["url"].append({"type": "Link", "href": resource.url})
    if resource.descriptions():
        doc["description"] = resource.descriptions()
    if resource.attachments:
        doc["attachment"] = [_attachment(a) for a in resource.attachments]
    if publisher:
        doc["publisher"] = publisher
    if resource.resource_type:
        doc["learningResourceType"] = [
            _concept(
                f"{HCRT}{resource.resource_type}",
                vocabulary("hcrt"),
                resource.resource_type,
                typed=True,
            )
        ]
    if resource.audiences:
        doc["educationalAudience"] = [
            _concept(f"{LRMI_AUDIENCE}{key}", vocabulary("lrmi-audience"), key, typed=True)
            for key in resource.audiences
        ]
    if resource.occupations:
        doc["occupation"] = [_occupation(uri) for uri in resource.occupations]
    for attribute, name in COMPETENCE_FIELDS:
        refs = getattr(resource, attribute)
        if refs:
            doc[name] = [_competence(ref, base) for ref in refs]
    if resource.eqf_level:
        doc["educationalLevel"] = f"{EQF}{resource.eqf_level}"
    if resource.time_required:
        doc["timeRequired"] = resource.time_required
    if resource.sources:
        doc["isBasedOn"] = list(resource.sources)  # remixes and translations alike
    if resource.translation_of:
        doc["translationOfWork"] = list(resource.translation_of)
    if resource.is_part_of:
        doc["isPartOf"] = list(resource.is_part_of)
    return doc


# --- back: the wire object of a resource as a LearningResource ------------------------------


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _ids(value: Any) -> list[str]:
    found = []
    for item in _items(value):
        uri = item.get("id") if isinstance(item, dict) else item
        if isinstance(uri, str):
            found.append(uri)
    return found


def _map(doc: dict[str, Any], key: str) -> dict[str, str]:
    value = doc.get(key)
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
    return {}


def _after(uri: str, prefix: str) -> str | None:
    return uri[len(prefix) :] if uri.startswith(prefix) else None


def _competence_ref(uri: str) -> str:
    match = DIGCOMPEDU_PATH_RE.search(uri)
    return f"{DIGCOMPEDU_PREFIX}{match.group(1)}" if match else uri


def resource_from_document(doc: dict[str, Any]) -> LearningResource:
    """The resource a wire object of ours describes (what `to_resource_object` wrote): what
    an edit starts from, and what a peer's copy is compared with. Reads defensively; an
    unexpected value is left out, never an error."""
    titles = _map(doc, "nameMap") or (
        {"und": doc["name"]} if isinstance(doc.get("name"), str) else {}
    )
    languages = [t for t in _items(doc.get("inLanguage")) if isinstance(t, str)]
    primary = next(iter(titles), languages[0] if languages else "und")
    descriptions = _map(doc, "description")
    links = [u for u in _items(doc.get("url")) if isinstance(u, dict)]
    url = next(
        (
            str(u["href"])
            for u in links
            if u.get("mediaType") != "text/html" and u.get("rel") != "describedby" and u.get("href")
        ),
        "",
    )
    alignments = _ids(doc.get("educationalAlignment")) + [
        str(a["targetUrl"])
        for a in _items(doc.get("educationalAlignment"))
        if isinstance(a, dict) and isinstance(a.get("targetUrl"), str)
    ]
    eqf = next((_after(u, EQF) for u in alignments if _after(u, EQF)), None)
    isced = next((_after(u, ISCED_F) for u in alignments if _after(u, ISCED_F)), None)
    resource_type = next(
        (k for k in (_after(u, HCRT) for u in _ids(doc.get("learningResourceType"))) if k), None
    )
    licence = next(iter(_ids(doc.get("license"))), "")
    translations = tuple(
        Translation(lang, title, descriptions.get(lang, ""))
        for lang, title in titles.items()
        if lang != primary
    )
    time_required = doc.get("timeRequired")
    competences = {
        attribute: tuple(_competence_ref(u) for u in _ids(doc.get(name)))
        for attribute, name in COMPETENCE_FIELDS
    }
    translated = tuple(_ids(doc.get("translationOfWork")))
    return LearningResource(
        title=titles.get(primary, ""),
        description=descriptions.get(primary, ""),
        url=url,
        license=licence,
        language=primary,
        eqf_level=int(eqf) if eqf and re.fullmatch(r"[0-9]{1,2}", eqf) else None,
        isced_field=isced,
        resource_type=resource_type,
        time_required=time_required if isinstance(time_required, str) else None,
        keywords=tuple(k for k in _items(doc.get("keywords")) if isinstance(k, str)),
        translations=translations,
        languages=tuple(lang for lang in languages if lang != primary and lang not in titles),
        audiences=tuple(
            k for k in (_after(u, LRMI_AUDIENCE) for u in _ids(doc.get("educationalAudience"))) if k
        ),
        occupations=tuple(_ids(doc.get("occupation"))),
        teaches=competences["teaches"],
        assesses=competences["assesses"],
        requires=competences["requires"],
        is_based_on=tuple(u for u in _ids(doc.get("isBasedOn")) if u not in translated),
        translation_of=translated,
        is_part_of=tuple(_ids(doc.get("isPartOf"))),
        attachments=tuple(
            Attachment(
                url=str(a.get("url") or a.get("href") or ""),
                media_type=a["mediaType"] if isinstance(a.get("mediaType"), str) else None,
                name=a["name"] if isinstance(a.get("name"), str) else "",
                size=_size(a.get("contentSize")),
            )
            for a in _items(doc.get("attachment"))
            if isinstance(a, dict) and http_url(a.get("url") or a.get("href"))
        ),
    )
