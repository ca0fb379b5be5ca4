"""What a person reads of a learning resource: the readable `content` of each of its languages
(the resource's facts, files, lineage and hashtags, written in that language), and the small
texts the resource page shares with it (file kinds, durations, sizes). resource_convert.py puts
it on the wire; the words of our own go through `_()` with `current_language` set to the
content's language (`written_in`)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from compagnon.domain.resources import (
    ESCO_OCCUPATION,
    ISCO,
    Attachment,
    LearningResource,
)
from compagnon.domain.vocabularies import vocabulary
from compagnon.i18n import _, current_language, ngettext

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
    resource: LearningResource,
    tags: list[dict[str, str]],
    page: str,
    lang: str | None = None,
    words_in: str | None = None,
) -> str:
    """The HTML a Mastodon user reads in `lang` (default: the primary language): title,
    description, facts line with the link, a line per file, hashtags. `words_in`: the
    language of our own words (labels, file kinds), when not `lang` (a card on a page)."""
    lang = lang or resource.language
    words_in = words_in or lang
    title = resource.titles().get(lang, resource.title)
    description = resource.descriptions().get(lang, "")
    with written_in(words_in):
        words = html.escape(_("open the resource"))
        link = f'<a href="{html.escape(resource.url or page)}">{words}</a>'
        line = " · ".join(html.escape(f) for f in facts(resource, words_in))
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
