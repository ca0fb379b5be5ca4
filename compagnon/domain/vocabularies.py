"""The controlled vocabularies shipped as data (vocab/*.json), and the one way to read them.

Each file is one vocabulary: `_meta` says where it comes from (source, origin repository and
commit, version, licence), which languages it labels and from where, which wanted languages
are absent and why, and how many concepts of each kind the source has. Every other key is a
concept: `labels` (language -> label) plus the vocabulary's own attributes (`kind`, `code`,
`short`, `isco`, `essential`, ...). A language listed in `languages` labels every concept of
the file; a language that is not there falls back to English (tests/unit/test_vocabularies.py
holds the files to both rules).

tools/build_vocabularies.py rebuilds the files from their sources.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

VOCAB_DIR = Path(__file__).parent / "vocab"
FALLBACK = "en"
NAMES = (
    "eqf",
    "isced-f",
    "digcomp",
    "digcompedu",
    "hcrt",
    "lrmi-audience",
    "licences",
    "esco-occupations",
    "esco-skills",
    "isco-08",
)


@dataclass(frozen=True)
class Concept:
    key: str
    labels: Mapping[str, str]
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def label(self, lang: str = FALLBACK) -> str:
        """The label in `lang` (its primary subtag: pt-PT reads pt), else English."""
        primary = lang.split("-")[0].lower()
        return self.labels.get(primary) or self.labels[FALLBACK]


@dataclass(frozen=True)
class Vocabulary:
    name: str
    meta: Mapping[str, Any]
    concepts: Mapping[str, Concept]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.meta["languages"])

    def uri(self, key: str) -> str:
        """The concept's URI (DigCompEdu has none: its pattern needs the node's base)."""
        return str(self.meta["uri"]).replace("{key}", key)

    def label(self, key: str, lang: str = FALLBACK) -> str | None:
        concept = self.concepts.get(key)
        return concept.label(lang) if concept else None

    def __contains__(self, key: object) -> bool:
        return key in self.concepts

    def __iter__(self) -> Iterator[str]:
        return iter(self.concepts)

    def __len__(self) -> int:
        return len(self.concepts)

    def __getitem__(self, key: str) -> Concept:
        return self.concepts[key]


@cache
def vocabulary(name: str) -> Vocabulary:
    if name not in NAMES:
        raise KeyError(f"no vocabulary named {name!r}")
    data: dict[str, Any] = json.loads((VOCAB_DIR / f"{name}.json").read_text(encoding="utf-8"))
    meta = data.pop("_meta")
    concepts = {
        key: Concept(
            key=key,
            labels=value["labels"],
            attributes={k: v for k, v in value.items() if k != "labels"},
        )
        for key, value in data.items()
    }
    return Vocabulary(name=name, meta=meta, concepts=concepts)


def label(name: str, key: str, lang: str = FALLBACK) -> str | None:
    """The label of concept `key` of vocabulary `name` in `lang`, English when that language
    is absent; None when the vocabulary has no such concept."""
    return vocabulary(name).label(key, lang)
