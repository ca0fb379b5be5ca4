"""The vocabularies published as small SKOS Turtle files: HCRT (resource types) and LRMI's
educational audience roles."""

from __future__ import annotations

import re
from pathlib import Path

from .output import WANTED, counts, write

LABEL_RE = re.compile(r'"([^"]*)"@([A-Za-z-]+)')


def turtle_labels(text: str, subject_re: str) -> dict[str, dict[str, str]]:
    """prefLabels per concept of a small hand-written SKOS Turtle file (one block per
    concept, ended by ' .'); enough for the two files read here, not a Turtle parser."""
    found: dict[str, dict[str, str]] = {}
    for match in re.finditer(
        subject_re + r"\s+a\s+skos:Concept\s*;(.*?)\s\.\s*$", text, re.S | re.M
    ):
        block = match.group(2)
        pref = re.search(r"skos:prefLabel\s+(.*?)(?:;|$)", block, re.S)
        assert pref, match.group(1)
        labels = {
            lang.split("-")[0]: label.strip() for label, lang in LABEL_RE.findall(pref.group(1))
        }
        found[match.group(1)] = labels
    return found


def complete(labels: dict[str, dict[str, str]]) -> list[str]:
    every = set.intersection(*(set(v) for v in labels.values()))
    return sorted(every, key=lambda lang: (lang != "en", lang))


def hcrt(src: Path) -> None:
    text = (src / "hcrt.ttl").read_text(encoding="utf-8")
    raw = turtle_labels(text, r"^<([a-z_]+)>")
    top = re.search(r"skos:hasTopConcept\s+(.*?)\s\.", text, re.S)
    assert top and set(re.findall(r"<([a-z_]+)>", top.group(1))) == set(raw)  # the scheme's list
    languages = complete(raw)
    concepts = {
        k: {"labels": {lang: v[lang] for lang in languages}} for k, v in sorted(raw.items())
    }
    partial = sorted({lang for v in raw.values() for lang in v} - set(languages))
    meta = {
        "title": "Hochschulcampus Ressourcentypen (HCRT), learning resource types",
        "uri": "https://w3id.org/kim/hcrt/{key}",
        "source": "DINI-AG KIM, hcrt.ttl (SKOS), published at https://w3id.org/kim/hcrt/scheme",
        "origin": [{"repository": "dini-ag-kim/hcrt", "path": "hcrt.ttl", "commit": "ae2e007"}],
        "version": "hcrt.ttl of 2026-01-05 (issued 2020-02-07)",
        "licence": "CC0 1.0",
        "languages": {lang: "skos:prefLabel of hcrt.ttl" for lang in languages},
        "absent": {
            **{lang: f"hcrt.ttl labels only some concepts in {lang}" for lang in partial},
            **{
                lang: "hcrt.ttl has no labels in this language"
                for lang in WANTED
                if lang not in languages and lang not in partial
            },
        },
        "counts": counts(concepts, "type"),
    }
    write("hcrt", meta, concepts)


def lrmi(src: Path) -> None:
    raw = turtle_labels((src / "lrmi.ttl").read_text(encoding="utf-8"), r"^audRole:([A-Za-z]+)")
    languages = complete(raw)
    concepts = {
        k: {"labels": {lang: v[lang] for lang in languages}} for k, v in sorted(raw.items())
    }
    meta = {
        "title": "LRMI Educational Audience Role vocabulary",
        "uri": "http://purl.org/dcx/lrmi-vocabs/educationalAudienceRole/{key}",
        "source": "DCMI LRMI Task Group, educationalAudienceRole.ttl (SKOS)",
        "origin": [
            {
                "repository": "dcmi/lrmi",
                "path": "lrmi_vocabs/educationalAudienceRole/educationalAudienceRole.ttl",
                "commit": "19b03da",
            }
        ],
        "version": "modified 2022-10-18",
        "licence": "CC BY 4.0",
        "languages": {"en": "skos:prefLabel @en-US", "de": "skos:prefLabel @de"},
        "absent": {
            lang: "the LRMI file has no labels in this language" for lang in WANTED if lang != "en"
        },
        "counts": counts(concepts, "role"),
    }
    write("lrmi-audience", meta, concepts)
