"""A status typed in an app's compose box, read as a learning resource (issue 13).

A trainer on a phone app has only a text box. A status becomes a learning resource when it
holds, besides its text:

- a link: the first `http://` or `https://` address that stands on its own (after a space,
  a bracket or at the start; `safe_urls.http_url` must accept it);
- a level: `#EQF1` … `#EQF8` (or `#EQF_4`);
- a trade or field: an ISCED-F 2013 detailed field by code (`#ISCED0715`, `#ISCED_0715`) or
  by its name run together (`#MechanicsAndMetalTrades`, in any language the vocabulary
  labels), or an occupation: an ESCO occupation by its name (`#welder`, `#soudeur`) or an
  ISCO-08 unit group by code (`#ISCO7212`).

Case does not matter, nor accents in names. The first level and the first field count;
further ones are ignored. A tag shaped like a code that names nothing (`#EQF9`,
`#ISCED9999`) is ignored. With a link, a level and a field or occupation it is a resource;
without any of the three it is a plain note (`read_status` answers None).

The resource's title is the first line of the text, its description the rest, with the link
and the code tags taken out, a run of tags at the end of a line taken out, and the `#` of
the remaining tags dropped (they read as words). No title left: the link's host and path;
a first line too long for a title is cut, and given whole at the start of the description.
Every tag that is not a code becomes a keyword. Pure: the caller chooses the language and
licence (server/api/compose_resource.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from compagnon.domain.resource_rules import is_detailed_field
from compagnon.domain.resources import (
    ESCO_OCCUPATION,
    ISCO,
    MAX_DESCRIPTION,
    MAX_KEYWORD,
    MAX_KEYWORDS,
    MAX_TITLE,
    LearningResource,
    normalised,
)
from compagnon.domain.safe_urls import http_url
from compagnon.domain.vocabularies import vocabulary

MAX_TAGS = 60  # hashtags looked at; the rest of a flood of tags is not read
MAX_OCCUPATIONS = 5
# A link standing on its own: at the start or after a space or an opening bracket (so that
# `javascript:x//https://…` gives none). Lower-case scheme, as http_url wants.
LINK_RE = re.compile(r"(?<![^\s(<\[])https?://[^\s<>\"]+")
TRAILING = ".,;:!?'\"\u00bb\u201d\u2019]}>"  # closing quotes too
# A hashtag as Mastodon reads one: `#` not inside a word, an address or another tag.
HASHTAG_RE = re.compile(r"(?<![\w#/&@.])#(\w+)")
LEVEL_TAG = re.compile(r"eqf_?(\d+)", re.IGNORECASE | re.ASCII)
ISCED_TAG = re.compile(r"isced_?(\d+)", re.IGNORECASE | re.ASCII)
ISCO_TAG = re.compile(r"isco_?(\d+)", re.IGNORECASE | re.ASCII)
# Tags at the end of a line (the usual "#EQF4 #welding" line), taken out of the text.
TAG_RUN_END = re.compile(r"(?:[ \t]*#\w+)+[ \t]*$", re.MULTILINE)
SPACES = re.compile(r"[ \t]+")
SPACE_BEFORE_STOP = re.compile(r" +([.,;:!?])")
EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|<\s*>")
BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class ComposedResource:
    """What a status says of the resource it describes; `resource()` adds what the status
    cannot say (its language, its licence)."""

    title: str
    description: str
    url: str
    eqf_level: int
    isced_field: str | None
    occupations: tuple[str, ...]
    keywords: tuple[str, ...]

    def resource(self, *, language: str, licence: str) -> LearningResource:
        return normalised(
            LearningResource(
                title=self.title,
                description=self.description,
                url=self.url,
                license=licence,
                language=language,
                eqf_level=self.eqf_level,
                isced_field=self.isced_field,
                occupations=self.occupations,
                keywords=self.keywords,
            )
        )


def squashed(text: str) -> str:
    """A name as a tag writes it: letters and digits only, no accents, case folded
    ("Mechanics and metal trades" and "#MechanicsAndMetalTrades" both give
    "mechanicsandmetaltrades")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum()).casefold()


def _index(names: dict[str, set[str]]) -> dict[str, str]:
    """Squashed name -> key, leaving out the names two concepts share (no guessing)."""
    return {name: next(iter(keys)) for name, keys in names.items() if len(keys) == 1}


@cache
def field_names() -> dict[str, str]:
    """Every label of an ISCED-F detailed field, squashed, in every language shipped."""
    names: dict[str, set[str]] = {}
    isced = vocabulary("isced-f")
    for code in isced:
        if is_detailed_field(code):
            for label in isced[code].labels.values():
                names.setdefault(squashed(label), set()).add(code)
    return _index(names)


@cache
def occupation_names() -> dict[str, str]:
    """Every label of an ESCO occupation shipped, squashed; each form of a label that gives
    two ("soudeur/soudeuse") also alone."""
    names: dict[str, set[str]] = {}
    esco = vocabulary("esco-occupations")
    for key in esco:
        for label in esco[key].labels.values():
            for name in {label, *label.split("/")}:
                names.setdefault(squashed(name), set()).add(key)
    return _index(names)


def _link(text: str) -> tuple[str, str] | None:
    """(the link as written, the link) of the first safe http(s) link."""
    for match in LINK_RE.finditer(text):
        written = match.group(0).rstrip(TRAILING)
        # A closing bracket ends the link unless the link opened it (Wikipedia's "(trade)").
        while written.endswith(")") and written.count(")") > written.count("("):
            written = written[:-1].rstrip(TRAILING)
        url = http_url(written)
        if url is not None:
            return written, url
    return None


@dataclass
class _Tags:
    level: int | None = None
    field: str | None = None
    occupations: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    codes: frozenset[str] = frozenset()  # code-shaped tags, taken out of the text


def _code(tag: str, tags: _Tags) -> bool:
    """Reads a code-shaped tag into `tags`; True when the tag is one (known or not)."""
    if match := LEVEL_TAG.fullmatch(tag):
        number = int(match.group(1)) if len(match.group(1)) <= 2 else 0
        if tags.level is None and 1 <= number <= 8:
            tags.level = number
        return True
    if match := ISCED_TAG.fullmatch(tag):
        if tags.field is None and is_detailed_field(match.group(1)):
            tags.field = match.group(1)
        return True
    if match := ISCO_TAG.fullmatch(tag):
        code = match.group(1)
        if code in vocabulary("isco-08") and len(tags.occupations) < MAX_OCCUPATIONS:
            tags.occupations = (*tags.occupations, ISCO + code)
        return True
    return False


def _tags(text: str) -> _Tags:
    tags = _Tags()
    codes: set[str] = set()
    keywords: dict[str, None] = {}
    for count, match in enumerate(HASHTAG_RE.finditer(text)):
        tag = match.group(1)
        if count >= MAX_TAGS:
            break
        if len(tag) > MAX_KEYWORD or not any(c.isalpha() for c in tag):
            continue  # not a hashtag Mastodon would link either
        if _code(tag, tags):
            codes.add(tag)
            continue
        name = squashed(tag)
        if tags.field is None and name in field_names():
            tags.field = field_names()[name]
        elif name in occupation_names() and len(tags.occupations) < MAX_OCCUPATIONS:
            tags.occupations = (*tags.occupations, ESCO_OCCUPATION + occupation_names()[name])
        if len(keywords) < MAX_KEYWORDS:
            keywords.setdefault(tag, None)
    tags.occupations = tuple(dict.fromkeys(tags.occupations))
    tags.keywords = tuple(keywords)
    tags.codes = frozenset(codes)
    return tags


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _readable(text: str, written_link: str, codes: frozenset[str]) -> list[str]:
    """The text's lines without the link, the code tags and the tags ending a line; the
    other tags as words."""
    text = text.replace(written_link, " ")
    text = HASHTAG_RE.sub(lambda m: " " if m.group(1) in codes else m.group(0), text)
    text = TAG_RUN_END.sub("", text)
    text = EMPTY_BRACKETS.sub("", HASHTAG_RE.sub(lambda m: m.group(1), text))
    return [
        SPACE_BEFORE_STOP.sub(r"\1", SPACES.sub(" ", line)).strip() for line in text.splitlines()
    ]


def read_status(text: str) -> ComposedResource | None:
    """The resource the status describes, or None when it lacks a link, a level or a field
    (or occupation): then it is a plain note."""
    found = _link(text)
    if found is None:
        return None
    written, url = found
    tags = _tags(text.replace(written, " "))
    if tags.level is None or (tags.field is None and not tags.occupations):
        return None
    lines = _readable(text, written, tags.codes)
    while lines and not lines[0]:
        lines.pop(0)
    title = lines[0].rstrip(" -\u2013\u2014:|") if lines else ""
    if not title:
        parts = urlsplit(url)
        title = (parts.netloc + parts.path).rstrip("/")
    rest = lines[1:] if len(title) <= MAX_TITLE else lines
    description = BLANK_LINES.sub("\n\n", "\n".join(rest)).strip()
    return ComposedResource(
        title=_cut(title, MAX_TITLE),
        description=_cut(description, MAX_DESCRIPTION),
        url=url,
        eqf_level=tags.level,
        isced_field=tags.field,
        occupations=tags.occupations,
        keywords=tags.keywords,
    )
