"""Writing a vocabulary file, and the small readers every source shares."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent.parent / "compagnon" / "domain" / "vocab"
WANTED = ("en", "fr", "pt", "it", "ro", "es", "ar")  # the network's languages (issue #9)


def write(name: str, meta: dict[str, Any], concepts: dict[str, dict[str, Any]]) -> None:
    languages = meta["languages"]
    for key, concept in concepts.items():
        labels = concept["labels"]
        assert set(labels) == set(languages), (name, key, sorted(labels), sorted(languages))
    meta["absent"] = meta.get("absent") or {
        lang: "no published source for this language was found" for lang in WANTED
    }
    meta["absent"] = {k: v for k, v in meta["absent"].items() if k not in languages}
    # One concept a line: the files stay readable and their diffs small.
    lines = [f'"_meta": {json.dumps(meta, ensure_ascii=False, indent=1)}']
    for key, concept in concepts.items():
        ordered = {"labels": concept["labels"], **concept}  # labels first, for the reader
        lines.append(f"{json.dumps(key)}: {json.dumps(ordered, ensure_ascii=False)}")
    (OUT / f"{name}.json").write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


def counts(concepts: dict[str, dict[str, Any]], default: str) -> dict[str, int]:
    found: dict[str, int] = defaultdict(int)
    for concept in concepts.values():
        found[concept.get("kind", default)] += 1
    return dict(found)


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
