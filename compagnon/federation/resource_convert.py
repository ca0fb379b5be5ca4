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

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

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
from compagnon.i18n import _, current_language, ngettext
from compagnon.storage.models import Actor, Object

# The kind of a file, named for a person (the media types compagnon/media accepts).
FILE_KINDS = {
    "application/pdf": "PDF",
    "application/h5p+zip": "H5P",
    "application/zip": "ZIP",
    "application/epub+zip": "EPUB",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "audio/mpeg": "MP3",
    "audio/ogg": "Ogg",
    "audio/wav": "WAV",
    "audio/mp4": "M4A",
    "video/mp4": "MP4",
    "video/webm": "WebM",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/msword": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "OpenDocument",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument",
}
H5P = "application/h5p+zip"


def file_kind(media_type: str | None) -> str:
    """What a file is, for a reader: "PDF", "Word"; an H5P package is named for what it
    does (translated: the page's language, or the wire content's)."""
    if media_type == H5P:
        return _("Interactive exercise (H5P)")
    return FILE_KINDS.get(media_type or "", "")


DURATION_PARTS_RE = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)
# LearningResource attribute → wire name.
COMPETENCE_FIELDS = (
    ("teaches", "teaches"),
    ("assesses", "assesses"),
    ("requires", "competencyRequired"),
)


@contextmanager
def written_in(language: str) -> Iterator[None]:
    """`_()` answers in `language` (its primary subtag) for the duration of the block."""
    token = current_language.set(language.split("-")[0].lower())
    try:
        yield
    finally:
        current_language.reset(token)


def duration_text(value: str | None) -> str | None:
    """PT1H30M → "1 h 30 min", in the current language; other durations as they are."""
    match = DURATION_PARTS_RE.match(value or "")
    if not match:
        return value
    numbers = [int(x) if x else 0 for x in match.groups()]
    years, months, weeks, days, hours, minutes, seconds = numbers
    parts = [
        ngettext("{n} year", "{n} years", years) if years else "",
        ngettext("{n} month", "{n} months", months) if months else "",
        ngettext("{n} week", "{n} weeks", weeks) if weeks else "",
        ngettext("{n} day", "{n} days", days) if days else "",
        _("{n} h", n=hours) if hours else "",
        _("{n} min", n=minutes) if minutes else "",
        _("{n} s", n=seconds) if seconds else "",
    ]
    return " ".join(p for p in parts if p) or value


# A hashtag longer than this is no tag anyone types or follows (Mastodon itself caps at 50).
MAX_HASHTAG = 50


def tag_name(text: str) -> str:
    """A readable hashtag from a label: its words joined, each capitalised ("Mechanics and
    metal trades" → "MechanicsAndMetalTrades"); letters and digits only, any script."""
    words = re.findall(r"[^\W_]+", text)
    return "".join(w[:1].upper() + w[1:] for w in words)


def trade_labels(resource: LearningResource, lang: str) -> list[str]:
    """The field of education and the occupations, named in `lang` (English where the
    vocabulary has no label in it): what a trade's hashtags are made of."""
    found = []
    if resource.isced_field:
        found.append(vocabulary("isced-f").label(resource.isced_field, lang))
    for uri in resource.occupations:
        if uri.startswith(ISCO):
            found.append(vocabulary("isco-08").label(uri[len(ISCO) :], lang))
        else:
            found.append(
                vocabulary("esco-occupations").label(uri.removeprefix(ESCO_OCCUPATION), lang)
            )
    return [label for label in found if label]


def hashtags(resource: LearningResource, base: str) -> list[dict[str, str]]:
    """The keywords, the trade (ISCED-F field, occupations, in the primary language) and the
    EQF level as Mastodon hashtags, so people can follow a trade or a level; each once."""
    names = [re.sub(r"\W", "", keyword) for keyword in resource.keywords]  # as typed
    names += [tag_name(label) for label in trade_labels(resource, resource.language)]
    if resource.eqf_level:
        names.append(f"EQF{resource.eqf_level}")
    tags: dict[str, dict[str, str]] = {}
    for name in names:
        if name and len(name) <= MAX_HASHTAG and name.casefold() not in tags:
            tags[name.casefold()] = {
                "type": "Hashtag",
                "name": f"#{name}",
                "href": f"{base}/tags/{quote(name.lower())}",  # percent-encoded, as Mastodon
            }
    return list(tags.values())


def licence_text(licence: str) -> str:
    """The short name of a Creative Commons licence; other terms are said to be not open."""
    licences = vocabulary("licences")
    if licence in licences:
        return str(licences[licence].attributes["short"])
    return _("not an open licence")


def facts(resource: LearningResource, lang: str) -> list[str]:
    """The facts line, in `lang` (call inside `written_in(lang)`)."""
    found = [
        vocabulary("hcrt").label(resource.resource_type, lang) if resource.resource_type else None,
        vocabulary("eqf").label(str(resource.eqf_level), lang) if resource.eqf_level else None,
        vocabulary("isced-f").label(resource.isced_field, lang) if resource.isced_field else None,
        duration_text(resource.time_required),
        licence_text(resource.license),
    ]
    return [f for f in found if f]


def lineage_lines(resource: LearningResource) -> list[str]:
    """ "Translation of <source>" / "Based on <source>", one paragraph each, in the current
    language, so a Mastodon reader sees the chain too (the sources are checked URLs)."""
    named = [(_("Translation of"), uri) for uri in resource.translation_of]
    named += [(_("Based on"), uri) for uri in resource.is_based_on]
    return [
        f'<p>{html.escape(words)} <a href="{html.escape(uri)}">{html.escape(uri)}</a></p>'
        for words, uri in named
    ]


def size_text(size: int) -> str:
    """A file size a person reads: 48 KB, 10.5 MB (decimal units, as file managers show)."""
    if size < 1000:
        return ngettext("{n} byte", "{n} bytes", size)
    for unit in ("KB", "MB", "GB"):
        size_in = size / 1000
        if size_in < 1000 or unit == "GB":
            shown = f"{size_in:.1f}".removesuffix(".0") if size_in < 100 else f"{size_in:.0f}"
            return f"{shown} {unit}"
        size = int(size_in)
    return str(size)  # pragma: no cover - the loop always returns


def file_label(attachment: Attachment) -> str:
    """What a link to a file says: its name (or "file"), then its kind and size."""
    kind = file_kind(attachment.media_type)
    details = [d for d in (kind, size_text(attachment.size) if attachment.size else "") if d]
    name = attachment.name or _("file")
    return f"{name} ({', '.join(details)})" if details else name


def readable_content(
    resource: LearningResource, tags: list[dict[str, str]], page: str, lang: str | None = None
) -> str:
    """The HTML a Mastodon user reads in `lang` (default: the primary language): title,
    description, facts line with the link, a line per file, hashtags."""
    lang = lang or resource.language
    title = resource.titles().get(lang, resource.title)
    description = resource.descriptions().get(lang, "")
    with written_in(lang):
        words = html.escape(_("open the resource"))
        link = f'<a href="{html.escape(resource.url or page)}">{words}</a>'
        line = " · ".join(html.escape(f) for f in facts(resource, lang))
        lineage = lineage_lines(resource)
        files = [
            f'<a href="{html.escape(a.url)}">{html.escape(file_label(a))}</a>'
            for a in resource.attachments
        ]
    parts = [f"<p><strong>{html.escape(title)}</strong></p>"]
    if description:
        parts.append(f"<p>{html.escape(description)}</p>")
    parts.append(f"<p>{line} · {link}</p>" if line else f"<p>{link}</p>")
    if files:
        parts.append("<p>" + "<br>".join(files) + "</p>")
    parts.extend(lineage)
    if tags:
        parts.append(
            "<p>"
            + " ".join(
                f'<a href="{t["href"]}" class="mention hashtag" rel="tag">#<span>'
                f"{html.escape(t['name'][1:])}</span></a>"
                for t in tags
            )
            + "</p>"
        )
    return "".join(parts)


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
