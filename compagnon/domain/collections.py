"""Training modules and learning journeys: ordered collections of resources, as a trainer
shares them (shared/reference/learning-journey.example.json). Pure: no storage, no network.

A **module** (or toolkit) is one ordered list of items: learning resources, here or on other
nodes, named by URL. A **journey** prepares, accompanies and recognises a mobility abroad in
three phases, before / during / after, each an ordered list of resources and challenges (a
challenge may be a Question, by URL) and naming the outcome it leads to (the achievement, an
Open Badge, by URL).

`collection_kind` tells, from a document as it travels, which of the two it is: the one test
the inbox, catalogue sync, search and the pages share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compagnon.domain.resources import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    Translation,
    language_tag,
    licence_uri,
)
from compagnon.domain.safe_urls import http_url
from compagnon.i18n import _, ngettext

MODULE = "Module"
JOURNEY = "Journey"
KINDS = (MODULE, JOURNEY)
PHASES = ("before", "during", "after")
MAX_ITEMS = 500  # items of a module, or of one phase


def phase_label(key: str) -> str:
    return {"before": _("Before"), "during": _("During"), "after": _("After")}.get(key, key)


def search_type_label(value: str) -> str | None:
    """How search shows its type facet values "module" and "journey" (facets.py)."""
    if value == "module":
        return _("Training module")
    if value == "journey":
        return _("Learning journey")
    return None


@dataclass(frozen=True)
class Module:
    title: str
    language: str
    description: str = ""
    items: tuple[str, ...] = ()
    translations: tuple[Translation, ...] = ()
    license: str = ""

    def titles(self) -> dict[str, str]:
        return {self.language: self.title, **{t.language: t.title for t in self.translations}}

    def descriptions(self) -> dict[str, str]:
        found = {self.language: self.description} if self.description else {}
        return found | {t.language: t.description for t in self.translations if t.description}


@dataclass(frozen=True)
class Phase:
    key: str  # before | during | after
    name: str = ""
    items: tuple[str, ...] = ()
    outcome: str | None = None  # the achievement (Open Badge) it leads to
    start: str | None = None  # ISO 8601, as the reference's startTime
    end: str | None = None


@dataclass(frozen=True)
class Journey:
    title: str
    language: str
    description: str = ""
    phases: tuple[Phase, ...] = field(default_factory=tuple)
    license: str = ""
    translations: tuple[Translation, ...] = ()

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(item for phase in self.phases for item in phase.items)

    def titles(self) -> dict[str, str]:
        return {self.language: self.title, **{t.language: t.title for t in self.translations}}

    def descriptions(self) -> dict[str, str]:
        found = {self.language: self.description} if self.description else {}
        return found | {t.language: t.description for t in self.translations if t.description}


Collection = Module | Journey


def kind_of(value: Collection) -> str:
    return JOURNEY if isinstance(value, Journey) else MODULE


# --- checks ---------------------------------------------------------------------------------


def _common_problems(value: Collection) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if not value.title.strip():
        found.append(("title", _("A title is needed.")))
    elif len(value.title) > MAX_TITLE:
        found.append(
            (
                "title",
                ngettext(
                    "The title is at most {n} character.",
                    "The title is at most {n} characters.",
                    MAX_TITLE,
                ),
            )
        )
    if len(value.description) > MAX_DESCRIPTION:
        found.append(
            (
                "description",
                ngettext(
                    "The description is at most {n} character.",
                    "The description is at most {n} characters.",
                    MAX_DESCRIPTION,
                ),
            )
        )
    if language_tag(value.language) is None:
        found.append(("language", _("The language must be a BCP 47 code such as en, pt or pt-PT.")))
    for translation in value.translations:
        if language_tag(translation.language) is None:
            found.append(
                (
                    "translations",
                    _(
                        "The language of a translation must be a BCP 47 code, not {lang!r}.",
                        lang=translation.language,
                    ),
                )
            )
    if value.license and http_url(licence_uri(value.license)) is None:
        found.append(
            (
                "license",
                _(
                    "The licence must be a Creative Commons licence or the web address of its "
                    "terms, not {value!r}.",
                    value=value.license,
                ),
            )
        )
    return found


def item_problems(items: tuple[str, ...]) -> list[str]:
    """Every item of a module is an http(s) URL, listed once."""
    found: list[str] = []
    for position, item in enumerate(items, start=1):
        if http_url(item) is None:
            found.append(
                _(
                    "Item {n} of the module is not an http(s) URL: {item!r}.",
                    n=position,
                    item=item[:200],
                )
            )
    repeated = sorted({item for item in items if items.count(item) > 1})
    for item in repeated:
        found.append(_("{item} is listed twice in the module.", item=item))
    if len(items) > MAX_ITEMS:
        found.append(
            ngettext(
                "The module holds at most {n} item.",
                "The module holds at most {n} items.",
                MAX_ITEMS,
            )
        )
    return found


def phase_item_problems(items: tuple[str, ...], key: str) -> list[str]:
    """As `item_problems`, for the items of the phase `key` of a journey."""
    found: list[str] = []
    for position, item in enumerate(items, start=1):
        if http_url(item) is None:
            found.append(
                _(
                    "Item {n} of the phase {key} is not an http(s) URL: {item!r}.",
                    n=position,
                    key=key,
                    item=item[:200],
                )
            )
    repeated = sorted({item for item in items if items.count(item) > 1})
    for item in repeated:
        found.append(_("{item} is listed twice in the phase {key}.", item=item, key=key))
    if len(items) > MAX_ITEMS:
        found.append(
            ngettext(
                "The phase {key} holds at most {n} item.",
                "The phase {key} holds at most {n} items.",
                MAX_ITEMS,
                key=key,
            )
        )
    return found


def problems(value: Collection) -> list[str]:
    """One sentence per mistake; empty when the module or journey can be published."""
    return [sentence for _field, sentence in field_problems(value)]


def field_problems(value: Collection) -> list[tuple[str, str]]:
    """(field, sentence) per mistake, for a form to show each next to its field: title,
    description, language, translations, license, items (a module's) or phase-KEY (a
    journey's phase), phases (the journey as a whole)."""
    found = _common_problems(value)
    if isinstance(value, Module):
        return found + [("items", p) for p in item_problems(value.items)]
    keys = [phase.key for phase in value.phases]
    for key in keys:
        if key not in PHASES:
            found.append(
                ("phases", _("A phase is before, during or after, not {key!r}.", key=key[:40]))
            )
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        found.append(("phases", _("The phase {key} is given twice.", key=key)))
    if not any(phase.items for phase in value.phases):
        found.append(("phases", _("A journey needs at least one item in one of its phases.")))
    for phase in value.phases:
        field_name = f"phase-{phase.key}"
        found += [(field_name, p) for p in phase_item_problems(phase.items, phase.key)]
        if phase.outcome is not None and http_url(phase.outcome) is None:
            found.append(
                (
                    field_name,
                    _(
                        "The outcome of the phase {key} is not an http(s) URL: {url!r}.",
                        key=phase.key,
                        url=phase.outcome[:200],
                    ),
                )
            )
        if len(phase.name) > MAX_TITLE:
            found.append(
                (
                    field_name,
                    ngettext(
                        "The name of the phase {key} is at most {n} character.",
                        "The name of the phase {key} is at most {n} characters.",
                        MAX_TITLE,
                        key=phase.key,
                    ),
                )
            )
    return found


def normalised(value: Collection) -> Collection:
    """Canonical forms: trimmed text, the licence as its URI, phases in journey order."""
    license = licence_uri(value.license) if value.license.strip() else ""
    if isinstance(value, Module):
        return Module(
            title=value.title.strip(),
            language=language_tag(value.language) or value.language,
            description=value.description.strip(),
            items=tuple(item.strip() for item in value.items),
            translations=value.translations,
            license=license,
        )
    order = {key: n for n, key in enumerate(PHASES)}
    phases = sorted(value.phases, key=lambda p: order.get(p.key, len(PHASES)))
    return Journey(
        title=value.title.strip(),
        language=language_tag(value.language) or value.language,
        description=value.description.strip(),
        phases=tuple(
            Phase(
                key=p.key.strip().lower(),
                name=p.name.strip(),
                items=tuple(item.strip() for item in p.items),
                outcome=p.outcome.strip() if p.outcome else None,
                start=p.start,
                end=p.end,
            )
            for p in phases
        ),
        license=license,
        translations=value.translations,
    )


# --- documents as they travel ---------------------------------------------------------------


def _types(doc: dict[str, Any]) -> list[str]:
    value = doc.get("type")
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _is_ordered_collection(doc: Any) -> bool:
    return isinstance(doc, dict) and "OrderedCollection" in _types(doc)


def collection_kind(doc: Any) -> str | None:
    """MODULE, JOURNEY, or None for anything else. A journey is an OrderedCollection whose
    items are all embedded OrderedCollections (its phases); a module, one whose items are
    resources (URLs, or objects with an id). An OrderedCollection without `orderedItems`
    (an outbox, a followers list) is neither."""
    if not _is_ordered_collection(doc) or not isinstance(doc.get("orderedItems"), list):
        return None
    items = doc["orderedItems"]
    if items and all(_is_ordered_collection(item) for item in items):
        return JOURNEY
    return MODULE


def phase_key(phase: dict[str, Any], position: int) -> str:
    """Which phase an embedded phase is: its `id` ends in /before, #during ... (the
    reference's form and ours), else its place (first = before)."""
    phase_id = phase.get("id")
    if isinstance(phase_id, str):
        tail = phase_id.rstrip("/").replace("#", "/").rsplit("/", 1)[-1].lower()
        if tail in PHASES:
            return tail
    return PHASES[position] if position < len(PHASES) else f"phase-{position + 1}"


def item_urls(value: Any) -> list[str]:
    """The safe URLs of an `orderedItems` list: strings, or objects with an id (an embedded
    resource); anything else is skipped."""
    found: list[str] = []
    for item in value if isinstance(value, list) else []:
        uri = item if isinstance(item, str) else item.get("id") if isinstance(item, dict) else None
        safe = http_url(uri)
        if safe is not None and safe not in found:
            found.append(safe)
    return found[:MAX_ITEMS]


def items_by_phase(doc: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(phase, item URLs) of a collection document: one ("", items) for a module, one per
    phase for a journey, in order. What storage keeps (storage/queries/collections.py)."""
    kind = collection_kind(doc)
    if kind == MODULE:
        return [("", item_urls(doc.get("orderedItems")))]
    if kind == JOURNEY:
        found: dict[str, list[str]] = {}
        for n, phase in enumerate(doc["orderedItems"][: len(PHASES) * 2]):
            # A phase given twice by a peer: the first counts (one row per place and phase).
            found.setdefault(phase_key(phase, n), item_urls(phase.get("orderedItems")))
        return list(found.items())
    return []
