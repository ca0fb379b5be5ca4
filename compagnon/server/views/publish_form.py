"""The resource form (/resources/new, /resources/edit): what the trainer typed, as text to
render back, and the LearningResource it describes, with every mistake beside its field.

The form is plain HTML that works without JavaScript: single values are inputs and selects,
lists of codes are text areas (one code per line or separated by commas; the pickers of
static/publish.js fill them), translations are parallel repeated fields (`tr_lang`,
`tr_title`, `tr_description`), kept files are checkboxes (`file_sha256` for files stored
here, `attachment` for other addresses). Nothing here touches the database: the view gives
the attachments it found (`files`) and turns the result into an operation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from multidict import MultiDictProxy

from compagnon.domain.resource_rules import field_problems
from compagnon.domain.resources import Attachment, LearningResource, Translation, normalised
from compagnon.domain.vocabularies import vocabulary
from compagnon.domain.vocabulary_pickers import label_of, short_code
from compagnon.i18n import _

VISIBILITIES = ("public", "unlisted", "followers")
OTHER_LICENCE = "other"
CODE_LISTS = ("occupations", "teaches", "assesses", "requires")
SINGLE = (
    "title",
    "description",
    "language",
    "url",
    "eqf",
    "isced",
    "type",
    "languages",
    "time_hours",
    "time_minutes",
    "license",
    "license_other",
    "keywords",
    "based_on",
    "derivation",
    "licence_checked",
    "visibility",
    "part_of",
    *CODE_LISTS,
)
MAX_TRANSLATIONS = 20
# LearningResource field (domain/resources.py field_problems) → the form field it is shown by
SHOWN_BY = {
    "eqf_level": "eqf",
    "isced_field": "isced",
    "resource_type": "type",
    "time_required": "time",
    "attachments": "file",
    "audiences": "audience",
    "is_based_on": "based_on",
    "translation_of": "based_on",
    "is_part_of": "part_of",
    "lists": "general",
}
SEPARATORS = re.compile(r"[\s,;]+")
LINES = re.compile(r"[\n,;]+")


@dataclass
class ResourceForm:
    """The form as the trainer left it: `values` to render back, `errors` per form field."""

    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def translations(self) -> list[dict[str, str]]:
        return list(self.values.get("translations", []))


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in SEPARATORS.split(text) if c)


def _items(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in LINES.split(text) if c.strip())


MAX_ALT = 1500  # characters of a picture's description (Mastodon allows 1,500)


def values_from(form: MultiDictProxy[str]) -> dict[str, Any]:
    """The fields of a POSTed form, as the template renders them back."""
    values: dict[str, Any] = {name: str(form.get(name, "")) for name in SINGLE}
    langs, titles, texts = (form.getall(n, []) for n in ("tr_lang", "tr_title", "tr_description"))
    rows = []
    for i in range(min(max(len(langs), len(titles), len(texts)), MAX_TRANSLATIONS)):
        row = {
            "lang": langs[i] if i < len(langs) else "",
            "title": titles[i] if i < len(titles) else "",
            "description": texts[i] if i < len(texts) else "",
        }
        if any(v.strip() for v in row.values()):
            rows.append(row)
    values["translations"] = rows
    values["audience"] = list(form.getall("audience", []))
    values["file_sha256"] = list(dict.fromkeys(form.getall("file_sha256", [])))
    values["attachment"] = list(dict.fromkeys(form.getall("attachment", [])))
    # A picture's description for people who cannot see it (its alt text; AS2 `name`).
    values["alts"] = {
        sha: str(form.get(f"alt_{sha}", "")).strip()[:MAX_ALT] for sha in values["file_sha256"]
    }
    return values


def values_of(resource: LearningResource) -> dict[str, Any]:
    """The form of a resource as it stands (editing it, or remixing it)."""
    licence = resource.license
    is_cc = licence in vocabulary("licences")
    hours = minutes = ""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", resource.time_required or "")
    if match:
        hours, minutes = match.group(1) or "", match.group(2) or ""
    values: dict[str, Any] = {
        "title": resource.title,
        "description": resource.description,
        "language": resource.language,
        "url": resource.url,
        "eqf": str(resource.eqf_level or ""),
        "isced": resource.isced_field or "",
        "type": resource.resource_type or "",
        "languages": ", ".join(resource.languages),
        "time_hours": hours,
        "time_minutes": minutes,
        "license": licence if is_cc else (OTHER_LICENCE if licence else ""),
        "license_other": "" if is_cc else licence,
        "keywords": ", ".join(resource.keywords),
        "based_on": "\n".join(resource.sources),
        "derivation": "translation" if resource.translation_of else "remix",
        "licence_checked": "",
        "visibility": "public",
        "part_of": "\n".join(resource.is_part_of),
        "translations": [
            {"lang": t.language, "title": t.title, "description": t.description}
            for t in resource.translations
        ],
        "audience": list(resource.audiences),
        "file_sha256": [],
        "alts": {},
        "attachment": [a.url for a in resource.attachments],
    }
    for name in CODE_LISTS:
        values[name] = "\n".join(short_code(v) for v in getattr(resource, name))
    return values


def pictures_stored_here(values: dict[str, Any], resource: LearningResource, base: str) -> None:
    """An edit offers the description of each picture stored on this node: such a picture is
    kept by its hash (`file_sha256`, with a description box) rather than by its address,
    its description so far in the box. Other files, and pictures elsewhere, keep theirs."""
    for attachment in resource.attachments:
        sha = attachment.url.removeprefix(f"{base}/media/")
        if (
            attachment.url.startswith(f"{base}/media/")
            and re.fullmatch(r"[0-9a-f]{64}", sha)
            and (attachment.media_type or "").startswith("image/")
        ):
            values["file_sha256"].append(sha)
            values["alts"][sha] = attachment.name
            values["attachment"].remove(attachment.url)


def chosen_labels(values: dict[str, Any], lang: str) -> dict[str, list[tuple[str, str]]]:
    """(code, label) of every code in the code lists, for the page to name them."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name in CODE_LISTS:
        kind = "occupations" if name == "occupations" else "competences"
        found[name] = [
            (code, label_of(kind, code, lang) or _("unknown code"))
            for code in _codes(values.get(name, ""))
        ]
    return found


def _number(form: ResourceForm, name: str, shown_by: str, low: int, high: int) -> int | None:
    text = str(form.values.get(name, "")).strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,6}", text) or not low <= int(text) <= high:
        form.error(shown_by, _("Give a whole number from {low} to {high}.", low=low, high=high))
        return None
    return int(text)


def _time(form: ResourceForm) -> str | None:
    hours = _number(form, "time_hours", "time", 0, 999)
    minutes = _number(form, "time_minutes", "time", 0, 59 if hours else 5999)
    if not hours and not minutes:
        return None
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")


def _licence(values: dict[str, Any]) -> str:
    chosen = str(values.get("license", "")).strip()
    return str(values.get("license_other", "")).strip() if chosen == OTHER_LICENCE else chosen


def resource_from(
    form: ResourceForm, attachments: tuple[Attachment, ...], default_language: str
) -> LearningResource | None:
    """The resource the form describes (normalised), or None with `form.errors` filled."""
    values = form.values
    eqf = _number(form, "eqf", "eqf", 1, 8)
    time = _time(form)
    sources = _items(values.get("based_on", ""))
    translation = values.get("derivation") == "translation"
    if values.get("visibility", "public") not in VISIBILITIES:
        form.error("visibility", _("Choose who can see the resource."))
    resource = normalised(
        LearningResource(
            title=values.get("title", ""),
            description=values.get("description", ""),
            url=values.get("url", ""),
            license=_licence(values),
            language=values.get("language", "").strip() or default_language,
            eqf_level=eqf,
            isced_field=values.get("isced", "").strip() or None,
            resource_type=values.get("type", "").strip() or None,
            time_required=time,
            keywords=_items(values.get("keywords", "")),
            translations=tuple(
                Translation(t["lang"], t["title"], t["description"]) for t in form.translations
            ),
            languages=_codes(values.get("languages", "")),
            audiences=tuple(values.get("audience", [])),
            occupations=_codes(values.get("occupations", "")),
            teaches=_codes(values.get("teaches", "")),
            assesses=_codes(values.get("assesses", "")),
            requires=_codes(values.get("requires", "")),
            is_based_on=() if translation else sources,
            translation_of=sources if translation else (),
            is_part_of=_items(values.get("part_of", "")),
            attachments=attachments,
        )
    )
    for name, message in field_problems(resource):
        form.error(SHOWN_BY.get(name, name), message)
    return None if form.errors else resource
