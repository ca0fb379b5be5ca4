"""What search knows of a learning resource: its facets and its words, read from the AS2
document as it travels (shared/reference/learning-resource.activity.json, and ours from
federation/resource_convert.py). Pure: no storage, no network.

Remote documents are written by other software, so every field is read defensively: a value
may be a string, an object with `id`, or a list of either; anything unreadable is skipped,
never an error.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from compagnon.domain.collections import collection_kind
from compagnon.domain.resources import EQF, HCRT, ISCED_F, LRMI_AUDIENCE
from compagnon.domain.safe_urls import http_url
from compagnon.domain.vocabularies import vocabulary

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_NAMES = frozenset({AS_PUBLIC, "as:Public", "Public"})
DIGCOMP = "https://w3id.org/kim/digcomp/"
# DigCompEdu has no official URIs: nodes mint them under their own base (vocab/digcompedu.json),
# so the same competence arrives under many hosts and is keyed by its code alone.
DIGCOMPEDU_RE = re.compile(r"/digcompedu/(\d\.\d)/?$")
COMPETENCE_FIELDS = ("teaches", "assesses", "competencyRequired")
TAG_RE = re.compile(r"<[^>]*>")
WORD_RE = re.compile(r"[^\W_]+")
MAX_TEXT_CHARS = 4000  # the words of a very long description are not worth the index size
MAX_INDEXED_CHARS = 3 * MAX_TEXT_CHARS  # all languages together
MAX_TERM_CHARS = 512
MAX_COMPETENCES = 50
PREFIX_LENGTHS = range(3, 9)  # the prefixes search finds words by (domain/search_query.py)


@dataclass(frozen=True)
class Facets:
    """One row of the search index, minus the ids storage adds."""

    visibility: str  # "public" (to: Public) or "unlisted" (cc: Public)
    words: str  # normalised words of title, description and keywords, space-separated
    language: str | None = None  # primary subtag, e.g. "pt" for pt-PT
    eqf: int | None = None  # 1-8
    isced: str | None = None  # 4-digit ISCED-F detailed field
    resource_type: str | None = None  # HCRT concept key, e.g. "assessment"
    licence: str | None = None  # licence URI, https and trailing slash
    competences: tuple[tuple[str, str], ...] = ()  # (term, label from the document)
    occupations: tuple[tuple[str, str], ...] = ()  # (ESCO occupation / ISCO group URI, label)
    audiences: tuple[str, ...] = ()  # LRMI educational audience role keys, e.g. "teacher"


def normalise(text: str) -> str:
    """Lower case without diacritics, so "Formação" and "formacao" are the same word on both
    databases (PostgreSQL's 'simple' configuration does not unaccent)."""
    if text.isascii():  # the common case: ASCII is its own NFKD and has no combining marks
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return WORD_RE.findall(normalise(text))


def prefixes(text: str) -> str:
    """Every prefix of 3 to 8 letters of the words (the words themselves when that short),
    each once: what SQLite's index looks prefixes up in (storage/queries/search_indexing.py)."""
    unique = set(text.split())  # a resource's text repeats its words (title, keywords)
    found = {word[:n] for word in unique for n in PREFIX_LENGTHS if n <= len(word)}
    return " ".join(sorted(found))


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _ids(value: Any) -> Iterator[str]:
    for item in _items(value):
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            found = item.get("id") or item.get("@id") or item.get("targetUrl")
            if isinstance(found, str):
                yield found


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # a language map: the primary language comes first
        return next((v for v in value.values() if isinstance(v, str)), "")
    return ""


def plain(html_text: str) -> str:
    return html.unescape(TAG_RE.sub(" ", html_text))


def is_learning_resource(doc: dict[str, Any]) -> bool:
    return "LearningResource" in _items(doc.get("type"))


# Search lists quizzes (AS2 `Question`s, ours and Mastodon's polls) beside the resources,
# under this kind in the `type` facet (not an HCRT concept: HCRT has no such type).
QUESTION_KIND = "question"


def is_question(doc: dict[str, Any]) -> bool:
    return "Question" in _items(doc.get("type"))


def is_listed(doc: dict[str, Any]) -> bool:
    """What search lists: learning resources, questions, and modules and journeys (type
    "module" / "journey")."""
    return is_learning_resource(doc) or is_question(doc) or collection_kind(doc) is not None


def shown_title(doc: dict[str, Any]) -> str:
    """A title for a hit: the name, else (a question has none) the start of its text."""
    text = plain(_text(doc.get("content")) or _text(doc.get("contentMap")))
    return title(doc) or " ".join(text.split())[:200]


def visibility(doc: dict[str, Any]) -> str | None:
    """ "public", "unlisted", or None for followers-only and direct objects, which search
    never lists (it does not check who follows whom)."""
    if PUBLIC_NAMES & set(_ids(doc.get("to"))):
        return "public"
    if PUBLIC_NAMES & set(_ids(doc.get("cc"))):
        return "unlisted"
    return None


def title(doc: dict[str, Any]) -> str:
    return _text(doc.get("name")) or _text(doc.get("nameMap"))


def language(doc: dict[str, Any]) -> str | None:
    tags = [t for t in _items(doc.get("inLanguage")) if isinstance(t, str)]
    for key in ("nameMap", "contentMap"):
        if not tags and isinstance(doc.get(key), dict):
            tags = [k for k in doc[key] if isinstance(k, str) and k != "und"]
    primary = tags[0].split("-")[0].lower() if tags else ""
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _level(uri: str) -> int | None:
    if uri.startswith(EQF) and uri[len(EQF) :].isdigit():
        level = int(uri[len(EQF) :])
        return level if 1 <= level <= 8 else None
    return None


def _alignment_urls(doc: dict[str, Any]) -> list[str]:
    return list(_ids(doc.get("educationalAlignment")))


def eqf_level(doc: dict[str, Any]) -> int | None:
    for uri in [*_ids(doc.get("educationalLevel")), *_alignment_urls(doc)]:
        level = _level(uri)
        if level is not None:
            return level
    return None


def isced_field(doc: dict[str, Any]) -> str | None:
    for uri in _alignment_urls(doc):
        code = uri[len(ISCED_F) :] if uri.startswith(ISCED_F) else ""
        if re.fullmatch(r"\d{4}", code):
            return code
    return None


def resource_type(doc: dict[str, Any]) -> str | None:
    for uri in _ids(doc.get("learningResourceType")):
        key = uri[len(HCRT) :] if uri.startswith(HCRT) else ""
        if key in vocabulary("hcrt"):
            return key
    return None


def licence(doc: dict[str, Any]) -> str | None:
    uri = next(_ids(doc.get("license")), "")
    if http_url(uri) is None or len(uri) > MAX_TERM_CHARS:
        return None
    uri = "https://" + uri.split("://", 1)[1]  # creativecommons.org is cited both ways
    uri = uri.removesuffix("legalcode").removesuffix("deed.en")
    return uri if uri.endswith("/") else uri + "/"


def competence_term(uri: str) -> str:
    """The key search files a competence under: the URI, except DigCompEdu's (per node)."""
    match = DIGCOMPEDU_RE.search(uri)
    return f"digcompedu:{match.group(1)}" if match else uri


def _label(item: Any) -> str:
    if isinstance(item, dict):
        labels = item.get("prefLabel") or item.get("name") or item.get("targetName")
        if isinstance(labels, dict):
            return str(labels.get("en") or _text(labels))[:200]
        if isinstance(labels, str):
            return labels[:200]
    return ""


def _usable(uri: str) -> bool:
    return http_url(uri) is not None and len(uri) <= MAX_TERM_CHARS


def competences(doc: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for name in COMPETENCE_FIELDS:
        for item in _items(doc.get(name)):
            for uri in filter(_usable, _ids(item)):
                found.setdefault(competence_term(uri), _label(item))
    for item in _items(doc.get("educationalAlignment")):
        for uri in filter(_usable, _ids(item)):
            # EQF and ISCED-F alignments are facets of their own, not competences.
            if not uri.startswith((EQF, ISCED_F)):
                found.setdefault(competence_term(uri), _label(item))
    return tuple(list(found.items())[:MAX_COMPETENCES])


def occupations(doc: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The trades a resource prepares for (`occupation`: ESCO occupations, ISCO-08 groups),
    with the label the document carried."""
    found: dict[str, str] = {}
    for item in _items(doc.get("occupation")):
        for uri in filter(_usable, _ids(item)):
            found.setdefault(uri, _label(item))
    return tuple(list(found.items())[:MAX_COMPETENCES])


def audiences(doc: dict[str, Any]) -> tuple[str, ...]:
    """LRMI audience roles of `educationalAudience` that the shipped vocabulary knows."""
    keys = (uri[len(LRMI_AUDIENCE) :] for uri in _ids(doc.get("educationalAudience")))
    return tuple(dict.fromkeys(k for k in keys if k in vocabulary("lrmi-audience")))


def _all_texts(doc: dict[str, Any], *keys: str) -> list[str]:
    """Every string of these fields, plain or language maps (all languages), each once."""
    found: list[str] = []
    for key in keys:
        value = doc.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            found += [v for v in value.values() if isinstance(v, str)]
    return list(dict.fromkeys(found))


def titles(doc: dict[str, Any]) -> list[str]:
    """The title in every language the document gives, so a translation is found too."""
    return _all_texts(doc, "name", "nameMap")


def descriptions(doc: dict[str, Any]) -> list[str]:
    """The description in every language: schema.org `description` (ours: a language map),
    else `summary` (other software's, and ours before it left the wire), else the content,
    which is all some software sends."""
    return (
        _all_texts(doc, "description")
        or _all_texts(doc, "summary", "summaryMap")
        or _all_texts(doc, "content", "contentMap")
    )


def _keywords(doc: dict[str, Any]) -> list[str]:
    value = doc.get("keywords")
    if isinstance(value, str):  # schema.org allows one comma-separated text
        return value.split(",")
    return [k for k in _items(value) if isinstance(k, str)]


def extract(doc: dict[str, Any]) -> Facets | None:
    """The index row of a learning resource; None when the object is not one, or is not
    addressed publicly (search lists public and unlisted resources only)."""
    if not is_listed(doc):
        return None
    kind = collection_kind(doc)  # a module or journey: its kind is its type facet
    shown = visibility(doc)
    if shown is None:
        return None
    # Each language's description counts, up to a bound (a translation is found too).
    texts = [plain(d)[:MAX_TEXT_CHARS] for d in descriptions(doc)]
    text = " ".join([*titles(doc), *texts, *_keywords(doc)])[:MAX_INDEXED_CHARS]
    return Facets(
        visibility=shown,
        words=" ".join(words(text)),
        language=language(doc),
        eqf=eqf_level(doc),
        isced=isced_field(doc),
        resource_type=(
            QUESTION_KIND if is_question(doc) else kind.lower() if kind else resource_type(doc)
        ),
        licence=licence(doc),
        competences=competences(doc),
        occupations=occupations(doc),
        audiences=audiences(doc),
    )


# The sort key packs (published second, object id) into one signed 64-bit integer: unique by
# construction (object ids are), ordered newest first with the id breaking ties, and usable
# as the FTS5 rowid so SQLite walks full-text matches in date order and stops at 20.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ID_BITS = 31


def sort_key(published: datetime, object_id: int) -> int:
    if not 0 < object_id < 2**ID_BITS:
        raise ValueError(f"object id {object_id} does not fit the search sort key")
    moment = published if published.tzinfo else published.replace(tzinfo=UTC)
    seconds = min(max(int((moment - EPOCH).total_seconds()), 0), 2**32 - 1)
    return (seconds << ID_BITS) | object_id
