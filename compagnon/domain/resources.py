"""Learning resources as trainers describe them, and the canonical forms of their values.

Plain data and validation only: federation/resource_convert.py turns a resource into the
wire format (shared/reference/learning-resource.activity.json) and back. The fields are those
of shared/reference/oer-metadata.md; every controlled value is checked against the shipped
vocabularies (domain/vocab/*.json through domain/vocabularies.py) by domain/resource_rules.py,
whose `problems` names every mistake.

Values are kept in one canonical form, whatever form the trainer typed (`normalised`):
licences, DigComp competences and ESCO concepts as their URIs, HCRT types and LRMI roles as
their keys, DigCompEdu competences as `digcompedu:{code}` (they have no official URI: the
node mints one under its own base when it publishes, vocab/digcompedu.json).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from compagnon.domain.safe_urls import http_url
from compagnon.domain.vocabularies import vocabulary

EQF = "http://data.europa.eu/snb/eqf/"
ISCED_F = "http://data.europa.eu/snb/isced-f/"
HCRT = "https://w3id.org/kim/hcrt/"
LRMI_AUDIENCE = "http://purl.org/dcx/lrmi-vocabs/educationalAudienceRole/"
DIGCOMP = "https://w3id.org/kim/digcomp/"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
ISCO = "http://data.europa.eu/esco/isco/C"
DIGCOMPEDU_PREFIX = "digcompedu:"
DIGCOMPEDU_PATH_RE = re.compile(r"/digcompedu/(\d\.\d)/?$")

# ISO 8601 durations (years, months, weeks, days; hours, minutes, seconds), not empty.
DURATION_RE = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(?:[.,]\d+)?S)?)?$"
)
# BCP 47 (RFC 5646) well-formed language tags: language[-extlang][-script][-region]
# [-variant...][-extension...][-x-private]; grandfathered tags are not accepted, nor the
# 4-8 letter language subtags BCP 47 reserves (none is registered: "english" is a mistake).
BCP47_RE = re.compile(
    r"^(?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3})"
    r"(?:-(?P<script>[a-z]{4}))?"
    r"(?:-(?P<region>[a-z]{2}|\d{3}))?"
    r"(?P<rest>(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
    r"(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*"
    r"(?:-x(?:-[a-z\d]{1,8})+)?)$",
    re.IGNORECASE,
)
MAX_LANGUAGE_TAG = 35
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_KEYWORDS = 30
MAX_KEYWORD = 100
MAX_LIST = 50  # competences, occupations, sources ... of one resource
MAX_ATTACHMENT_NAME = 500
MEDIA_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


@dataclass(frozen=True)
class Translation:
    """The title and description in one more language."""

    language: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file of the resource, by URL (sent as an ActivityStreams `Document`). Uploads and
    stored files come with compagnon/media/; a stored file will be one of these too."""

    url: str
    media_type: str | None = None
    name: str = ""
    size: int | None = None  # in bytes, when known (a file stored here always is)


@dataclass(frozen=True)
class LearningResource:
    title: str
    description: str
    url: str  # where the resource lives; "" when it is only its attachments
    license: str  # a Creative Commons URI, or the web address of other terms (not open)
    language: str  # primary language, BCP 47
    eqf_level: int | None = None
    isced_field: str | None = None  # 4-digit ISCED-F 2013 detailed field, e.g. 0715
    resource_type: str | None = None  # an HCRT concept, e.g. worksheet
    time_required: str | None = None  # ISO 8601 duration, e.g. PT20M
    keywords: tuple[str, ...] = field(default_factory=tuple)
    translations: tuple[Translation, ...] = ()  # title and description in other languages
    languages: tuple[str, ...] = ()  # further languages of the content itself (inLanguage)
    audiences: tuple[str, ...] = ()  # LRMI educational audience roles, e.g. teacher
    occupations: tuple[str, ...] = ()  # ESCO occupation or ISCO-08 group URIs
    teaches: tuple[str, ...] = ()  # competences: DigComp / ESCO skill URIs, digcompedu:N.N
    assesses: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # schema.org competencyRequired
    is_based_on: tuple[str, ...] = ()  # the resources this one remixes (schema:isBasedOn)
    is_part_of: tuple[str, ...] = ()  # collections, modules, journey phases
    attachments: tuple[Attachment, ...] = ()
    # the resources this one translates (schema:translationOfWork; on the wire they are in
    # isBasedOn too, so that readers of isBasedOn alone still see the lineage)
    translation_of: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Every resource this one derives from: translated ones first, then remixed ones."""
        return tuple(dict.fromkeys((*self.translation_of, *self.is_based_on)))

    @property
    def in_language(self) -> tuple[str, ...]:
        """Every language of the resource: the primary one, the further ones named, then
        those of the translations; each once."""
        found = [self.language, *self.languages, *(t.language for t in self.translations)]
        return tuple(dict.fromkeys(found))

    @property
    def is_open(self) -> bool:
        return self.license in vocabulary("licences")

    def titles(self) -> dict[str, str]:
        """Language map of the title, primary language first."""
        return {self.language: self.title, **{t.language: t.title for t in self.translations}}

    def descriptions(self) -> dict[str, str]:
        found = {self.language: self.description.strip()}
        found.update({t.language: t.description.strip() for t in self.translations})
        return {lang: text for lang, text in found.items() if text}


# --- canonical forms of what a trainer types ---------------------------------------------


def language_tag(value: str) -> str | None:
    """The tag in its conventional case (pt-pt → pt-PT, zh-hant-tw → zh-Hant-TW); None when
    it is not a well-formed BCP 47 tag."""
    value = value.strip()
    match = BCP47_RE.match(value) if len(value) <= MAX_LANGUAGE_TAG else None
    if match is None:
        return None
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    tag = "-".join(parts) + match["rest"].lower()
    return tag


def licence_uri(value: str) -> str:
    """A Creative Commons licence as its URI in the shipped list, from the URI in any common
    spelling (http, no trailing slash, /legalcode, /deed.xx) or its short name ("CC BY-SA
    4.0", "cc-by-sa-4.0", "CC0"); anything else is returned as it was."""
    text = value.strip()
    licences = vocabulary("licences")
    if text.startswith(("http://creativecommons.org/", "https://creativecommons.org/")):
        uri = "https://" + text.split("://", 1)[1]
        uri = re.sub(r"/(legalcode(\.[a-z-]+)?|deed\.[a-zA-Z-]+)$", "/", uri)
        uri = uri if uri.endswith("/") else uri + "/"
        return uri if uri in licences else text

    def words(name: str) -> str:
        return re.sub(r"[\s_-]+", " ", name).strip().casefold()

    wanted = words(text)
    for uri in licences:
        short = words(str(licences[uri].attributes["short"]))
        if wanted in (short, short.removesuffix(" 4.0"), short.removesuffix(" 1.0")):
            return uri
    return text


def _key_or_uri(value: str, prefix: str) -> str:
    value = value.strip()
    return value[len(prefix) :].strip("/") if value.startswith(prefix) else value


def hcrt_key(value: str) -> str:
    return _key_or_uri(value, HCRT)


def audience_key(value: str) -> str:
    return _key_or_uri(value, LRMI_AUDIENCE)


def occupation_uri(value: str) -> str:
    """An ESCO occupation (URI or UUID) or an ISCO-08 group (URI, `C7212` or `7212`) as its
    URI; anything else as it was."""
    value = value.strip()
    if value in vocabulary("esco-occupations"):
        return ESCO_OCCUPATION + value
    code = value.removeprefix(ISCO).removeprefix("C").removeprefix("isco:")
    if code.isdigit() and code in vocabulary("isco-08"):
        return ISCO + code
    return value


def competence_ref(value: str) -> str:
    """A competence in its canonical form, from what a trainer types: `digcomp:3.3`,
    `digcomp:g_15` or its URI; `digcompedu:2.2` or any URI ending in /digcompedu/2.2;
    `esco:UUID`, a UUID, or the ESCO skill URI. Anything else as it was."""
    value = value.strip()
    lowered = value.lower()
    if lowered.startswith("digcomp:"):
        code = value.split(":", 1)[1].strip()
        digcomp = vocabulary("digcomp")
        if code in digcomp:
            return DIGCOMP + code
        for key in digcomp:
            if digcomp[key].attributes.get("code") == code:
                return DIGCOMP + key
        return value
    if lowered.startswith(DIGCOMPEDU_PREFIX):
        return DIGCOMPEDU_PREFIX + value.split(":", 1)[1].strip()
    match = DIGCOMPEDU_PATH_RE.search(value)
    if match and http_url(value):
        return DIGCOMPEDU_PREFIX + match.group(1)
    if lowered.startswith("esco:"):
        value = value.split(":", 1)[1].strip()
    if value in vocabulary("esco-skills"):
        return ESCO_SKILL + value
    return value


def normalised(resource: LearningResource) -> LearningResource:
    """The same description with every value in its canonical form (see the module text);
    values that cannot be read are left for `problems` to name."""

    def tag(value: str) -> str:
        return language_tag(value) or value

    def unique(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for v in values if v))

    return replace(
        resource,
        title=resource.title.strip(),
        description=resource.description.strip(),
        url=resource.url.strip(),
        license=licence_uri(resource.license),
        language=tag(resource.language),
        isced_field=resource.isced_field.strip() if resource.isced_field else None,
        resource_type=hcrt_key(resource.resource_type) if resource.resource_type else None,
        time_required=resource.time_required.strip().upper() if resource.time_required else None,
        keywords=unique(tuple(k.strip() for k in resource.keywords)),
        translations=tuple(
            Translation(tag(t.language), t.title.strip(), t.description.strip())
            for t in resource.translations
        ),
        languages=unique(tuple(tag(lang) for lang in resource.languages)),
        audiences=unique(tuple(audience_key(a) for a in resource.audiences)),
        occupations=unique(tuple(occupation_uri(o) for o in resource.occupations)),
        teaches=unique(tuple(competence_ref(c) for c in resource.teaches)),
        assesses=unique(tuple(competence_ref(c) for c in resource.assesses)),
        requires=unique(tuple(competence_ref(c) for c in resource.requires)),
        # a source named as translated is not named again as remixed
        is_based_on=unique(
            tuple(
                u.strip()
                for u in resource.is_based_on
                if u.strip() not in {t.strip() for t in resource.translation_of}
            )
        ),
        translation_of=unique(tuple(u.strip() for u in resource.translation_of)),
        is_part_of=unique(tuple(u.strip() for u in resource.is_part_of)),
        attachments=tuple(
            Attachment(
                a.url.strip(), (a.media_type or "").strip().lower() or None, a.name.strip(), a.size
            )
            for a in resource.attachments
        ),
    )
