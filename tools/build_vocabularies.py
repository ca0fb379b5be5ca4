"""Rebuild compagnon/domain/vocab/*.json from the published sources they were taken from.

Not part of the package and not run by the tests: the JSON files are committed, and each one
names its source (repository, path, commit, version, licence) in its `_meta`. This script is
how they were made, so the next update is a re-run rather than hand work.

    python tools/build_vocabularies.py SOURCES_DIR

SOURCES_DIR holds the files named in SOURCES below, extracted from the repositories at the
commits given there (ESCO's CSVs from the zip archives in tabiya-tech's mirror of the ESCO
downloads). EQF, DigComp, DigCompEdu and the licences have no machine-readable multilingual
source here: their entries are rebuilt from the tables in this file.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "compagnon" / "domain" / "vocab"
WANTED = ("en", "fr", "pt", "it", "ro", "es", "ar")  # the network's languages (issue #9)

TABIYA = "tabiya-tech/tabiya-esco-datasets-and-tools"
ESCO_EN_COMMIT = "1a8a32e"  # HEAD of main when taken; en classification + relations zips
ESCO_FR_COMMIT = "65177b591aa60257f81723490cfcd2e64656373f"  # adds v1.1.1 fr CSVs
ESCO_LICENCE = (
    "ESCO: (c) European Union, reuse authorised under Commission Decision 2011/833/EU "
    "(attribution: 'This service uses the ESCO classification of the European Commission')"
)
ESCO_VERSION = "ESCO v1.1.1 (2022)"
# ISCO-08 sub-major groups of the main vocational trades: technicians (31), ICT technicians
# (35), personal services (51), personal care (53), market-oriented agriculture (61), all craft
# trades (71-75), drivers and mobile plant operators (83).
TRADE_GROUPS = ("31", "35", "51", "53", "61", "71", "72", "73", "74", "75", "83")


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


def eqf() -> None:
    composed = {"pt": "QEQ nível {n}", "fr": "CEC niveau {n}", "de": "EQR-Niveau {n}"}
    concepts = {
        str(n): {
            "kind": "level",
            "labels": {"en": f"EQF level {n}", **{k: v.format(n=n) for k, v in composed.items()}},
        }
        for n in range(1, 9)
    }
    meta = {
        "title": "European Qualifications Framework (EQF) levels",
        "uri": "http://data.europa.eu/snb/eqf/{key}",
        "source": "Council Recommendation of 22 May 2017 on the EQF (2017/C 189/03), Annex II: "
        "8 levels; URIs of EU Vocabularies (data.europa.eu/snb/eqf)",
        "version": "EQF 2017 (8 levels, unchanged since 2008)",
        "licence": "EU legal text: reuse authorised (Commission Decision 2011/833/EU)",
        "languages": {
            "en": "'EQF level N', as the reference activity's targetName writes it",
            "pt": "composed, not an official label: the framework's Portuguese acronym (QEQ) "
            "+ 'nível' + the number; kept from the first release, no machine-readable source "
            "checked",
            "fr": "composed, not an official label: the French acronym (CEC) + 'niveau' + N",
            "de": "composed, not an official label: the German acronym (EQR) + 'Niveau' + N",
        },
        "counts": {"level": 8},
    }
    assert counts(concepts, "level") == meta["counts"]
    write("eqf", meta, concepts)


def isced(src: Path) -> None:
    en = {r["conceptUri"]: r for r in rows(src / "esco-en" / "skillGroups_en.csv")}
    fr = {r["conceptUri"]: r for r in rows(src / "esco-fr" / "skillGroups_fr.csv")}
    kinds = {"0": "not further defined", "8": "inter-disciplinary", "9": "not elsewhere classified"}
    concepts: dict[str, dict[str, Any]] = {}
    for uri in sorted(en):
        code = uri.rsplit("/", 1)[1]
        if "/isced-f/" not in uri or len(code) != 4:
            continue
        kind = "unknown" if code == "9999" else kinds.get(code[-1], "detailed field")
        concepts[code] = {
            "kind": kind,
            "labels": {
                "en": first_upper(en[uri]["preferredLabel"]),
                "fr": first_upper(fr[uri]["preferredLabel"]),
            },
        }
    meta = {
        "title": "ISCED Fields of Education and Training 2013 (ISCED-F 2013), 4-digit codes",
        "uri": "http://data.europa.eu/snb/isced-f/{key}",
        "source": "UNESCO ISCED-F 2013 as ESCO publishes it (the knowledge groups of the skills "
        "pillar, http://data.europa.eu/esco/isced-f/{code}): skillGroups_en.csv and "
        "skillGroups_fr.csv",
        "origin": [
            {
                "repository": TABIYA,
                "path": "datasets/esco/v1.1.1/classification/"
                "ESCO dataset - v1.1.1 - classification - en - csv.zip",
                "commit": ESCO_EN_COMMIT,
            },
            {
                "repository": TABIYA,
                "path": "datasets/esco/v1.1.1/classification/fr/csv/skillGroups_fr.csv",
                "commit": ESCO_FR_COMMIT,
            },
        ],
        "version": ESCO_VERSION,
        "licence": ESCO_LICENCE,
        "languages": {
            "en": "ESCO v1.1.1 preferredLabel (UNESCO's names), first letter capitalised here",
            "fr": "ESCO v1.1.1 preferredLabel, first letter capitalised here",
        },
        "absent": {
            lang: "ESCO has this language, but no v1.1.1 skillGroups file for it was found"
            for lang in ("pt", "it", "ro", "es", "ar")
        },
        "counts": counts(concepts, "detailed field"),
    }
    assert meta["counts"]["detailed field"] == 80  # UNESCO's count of ISCED-F 2013 detailed fields
    write("isced-f", meta, concepts)


DIGCOMP = [  # (code, English name), framework order; KIM numbers them g_1 ... g_26
    ("1", "Information and data literacy"),
    ("1.1", "Browsing, searching and filtering data, information and digital content"),
    ("1.2", "Evaluating data, information and digital content"),
    ("1.3", "Managing data, information and digital content"),
    ("2", "Communication and collaboration"),
    ("2.1", "Interacting through digital technologies"),
    ("2.2", "Sharing through digital technologies"),
    ("2.3", "Engaging in citizenship through digital technologies"),
    ("2.4", "Collaborating through digital technologies"),
    ("2.5", "Netiquette"),
    ("2.6", "Managing digital identity"),
    ("3", "Digital content creation"),
    ("3.1", "Developing digital content"),
    ("3.2", "Integrating and re-elaborating digital content"),
    ("3.3", "Copyright and licences"),
    ("3.4", "Programming"),
    ("4", "Safety"),
    ("4.1", "Protecting devices"),
    ("4.2", "Protecting personal data and privacy"),
    ("4.3", "Protecting health and well-being"),
    ("4.4", "Protecting the environment"),
    ("5", "Problem solving"),
    ("5.1", "Solving technical problems"),
    ("5.2", "Identifying needs and technological responses"),
    ("5.3", "Creatively using digital technologies"),
    ("5.4", "Identifying digital competence gaps"),
]


def digcomp(src: Path) -> None:
    kim = [r for r in csv.DictReader((src / "digcomp.csv").open(encoding="utf-8"), delimiter=";")]
    assert [r["ShortCode"].removesuffix(".0") for r in kim] == [c for c, _ in DIGCOMP]
    concepts = {
        f"g_{n}": {
            "code": code,
            "kind": "area" if "." not in code else "competence",
            "labels": {"en": name},
        }
        for n, (code, name) in enumerate(DIGCOMP, start=1)
    }
    meta = {
        "title": "DigComp 2.2, the Digital Competence Framework for Citizens",
        "uri": "https://w3id.org/kim/digcomp/{key}",
        "source": "JRC (2022), DigComp 2.2, doi:10.2760/115376: 5 areas, 21 competences. Keys "
        "are the concepts of KIM's SKOS edition (draft), numbered in framework order "
        "(DigComp.csv / digcomp.ttl), so g_15 is 3.3 Copyright and licences",
        "origin": [
            {"repository": "dini-ag-kim/digComp", "path": "DigComp.csv", "commit": "b1165c8"}
        ],
        "version": "DigComp 2.2 (2022); KIM edition of 2024-04-24",
        "licence": "JRC publication (c) European Union, CC BY 4.0",
        "languages": {"en": "the framework's names (KIM's edition gives the same in capitals)"},
        "absent": {
            lang: "the framework's official translations are published as PDFs only; "
            "no machine-readable source was found"
            for lang in WANTED
            if lang != "en"
        },
        "counts": {"area": 5, "competence": 21},  # as the framework states them
    }
    assert counts(concepts, "competence") == meta["counts"]
    write("digcomp", meta, concepts)


DIGCOMPEDU = [
    ("1", "Professional engagement"),
    ("1.1", "Organisational communication"),
    ("1.2", "Professional collaboration"),
    ("1.3", "Reflective practice"),
    ("1.4", "Digital continuous professional development"),
    ("2", "Digital resources"),
    ("2.1", "Selecting digital resources"),
    ("2.2", "Creating and modifying digital resources"),
    ("2.3", "Managing, protecting and sharing digital resources"),
    ("3", "Teaching and learning"),
    ("3.1", "Teaching"),
    ("3.2", "Guidance"),
    ("3.3", "Collaborative learning"),
    ("3.4", "Self-regulated learning"),
    ("4", "Assessment"),
    ("4.1", "Assessment strategies"),
    ("4.2", "Analysing evidence"),
    ("4.3", "Feedback and planning"),
    ("5", "Empowering learners"),
    ("5.1", "Accessibility and inclusion"),
    ("5.2", "Differentiation and personalisation"),
    ("5.3", "Actively engaging learners"),
    ("6", "Facilitating learners' digital competence"),
    ("6.1", "Information and media literacy"),
    ("6.2", "Digital communication and collaboration"),
    ("6.3", "Digital content creation"),
    ("6.4", "Responsible use"),
    ("6.5", "Digital problem solving"),
]


def digcompedu() -> None:
    concepts = {
        code: {"kind": "area" if "." not in code else "competence", "labels": {"en": name}}
        for code, name in DIGCOMPEDU
    }
    meta = {
        "title": "DigCompEdu, the European Framework for the Digital Competence of Educators",
        "uri": "{node}/vocab/digcompedu/{key}",
        "source": "JRC (2017), DigCompEdu, doi:10.2760/159770: 6 areas, 22 competences. No "
        "official URIs exist: a node mints {base}/vocab/digcompedu/{code} and search matches "
        "any URI whose path ends in /digcompedu/{code}",
        "version": "DigCompEdu (2017)",
        "licence": "JRC publication (c) European Union, reuse authorised",
        "languages": {"en": "the framework's names"},
        "absent": {
            lang: "translations exist as PDFs only; no machine-readable source was found"
            for lang in WANTED
            if lang != "en"
        },
        "counts": {"area": 6, "competence": 22},  # as the framework states them
    }
    assert counts(concepts, "competence") == meta["counts"]
    write("digcompedu", meta, concepts)


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


LICENCES = [  # (URI, short name, English name)
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0", "CC0 1.0 Universal"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0", "Attribution 4.0 International"),
    (
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "CC BY-SA 4.0",
        "Attribution-ShareAlike 4.0 International",
    ),
    (
        "https://creativecommons.org/licenses/by-nd/4.0/",
        "CC BY-ND 4.0",
        "Attribution-NoDerivatives 4.0 International",
    ),
    (
        "https://creativecommons.org/licenses/by-nc/4.0/",
        "CC BY-NC 4.0",
        "Attribution-NonCommercial 4.0 International",
    ),
    (
        "https://creativecommons.org/licenses/by-nc-sa/4.0/",
        "CC BY-NC-SA 4.0",
        "Attribution-NonCommercial-ShareAlike 4.0 International",
    ),
    (
        "https://creativecommons.org/licenses/by-nc-nd/4.0/",
        "CC BY-NC-ND 4.0",
        "Attribution-NonCommercial-NoDerivatives 4.0 International",
    ),
]


def licences() -> None:
    concepts = {}
    for uri, short, name in LICENCES:
        parts = uri.split("/")[-3].split("-")
        concepts[uri] = {
            "kind": "public domain" if "zero" in uri else "licence",
            "short": short,
            "conditions": [p for p in parts if p in {"by", "sa", "nc", "nd"}],
            "labels": {"en": name},
        }
    meta = {
        "title": "Creative Commons licences and public-domain dedication",
        "uri": "{key}",
        "source": "Creative Commons, the 4.0 licences and CC0 1.0 (creativecommons.org); "
        "'conditions' read from the licence code in the URI (by, sa, nc, nd)",
        "version": "4.0 (2013), CC0 1.0",
        "licence": "the names are Creative Commons' own (CC BY 4.0 for the site's text)",
        "languages": {"en": "the licences' English titles"},
        "absent": {
            lang: "official translations of the titles exist in CC's legal-tools data, which "
            "could not be brought here (780 MB); none was copied from memory"
            for lang in WANTED
            if lang != "en"
        },
        "counts": counts(concepts, "licence"),
    }
    write("licences", meta, concepts)


def esco(src: Path) -> None:
    occ_en = {r["conceptUri"]: r for r in rows(src / "esco-en" / "occupations_en.csv")}
    occ_fr = {r["conceptUri"]: r for r in rows(src / "esco-fr" / "occupations_fr.csv")}
    skills_en = {r["conceptUri"]: r for r in rows(src / "esco-en" / "skills_en.csv")}
    broader = rows(src / "esco-rel" / "broaderRelationsOccPillar.csv")
    essential: dict[str, list[str]] = defaultdict(list)
    for r in rows(src / "esco-rel" / "occupationSkillRelations.csv"):
        if r["relationType"] == "essential":
            essential[r["occupationUri"]].append(r["skillUri"])
    # Occupations directly under an ISCO-08 unit group (not ESCO's narrower specialisations).
    main = {
        r["conceptUri"]
        for r in broader
        if r["conceptType"] == "Occupation" and r["broaderType"] == "ISCOGroup"
    }
    occ_base = "http://data.europa.eu/esco/occupation/"
    skill_base = "http://data.europa.eu/esco/skill/"
    occupations: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for uri in sorted(main, key=lambda u: (occ_en[u]["iscoGroup"], occ_en[u]["preferredLabel"])):
        row = occ_en[uri]
        if row["iscoGroup"][:2] not in TRADE_GROUPS or row["status"] != "released":
            continue
        skills = sorted(s.removeprefix(skill_base) for s in essential[uri])
        used.update(skills)
        occupations[uri.removeprefix(occ_base)] = {
            "isco": row["iscoGroup"],
            "essential": skills,
            "labels": {"en": row["preferredLabel"], "fr": occ_fr[uri]["preferredLabel"]},
        }
    origin = [
        {
            "repository": TABIYA,
            "path": "datasets/esco/v1.1.1/classification/"
            "ESCO dataset - v1.1.1 - classification - en - csv.zip",
            "commit": ESCO_EN_COMMIT,
        },
        {
            "repository": TABIYA,
            "path": "datasets/esco/v1.1.1/relations/"
            "ESCO dataset - v1.1.1 - classification -  - csv.zip",
            "commit": ESCO_EN_COMMIT,
        },
    ]
    absent = {
        "pt": "ESCO has Portuguese labels, but no copy of the pt dataset was found here",
        "it": "ESCO has Italian labels, but no copy of the it dataset was found here",
        "ro": "ESCO has Romanian labels, but no copy of the ro dataset was found here",
        "ar": "ESCO has Arabic labels, but no copy of the ar dataset was found here",
    }
    meta = {
        "title": "ESCO occupations of the main vocational trades",
        "uri": occ_base + "{key}",
        "source": "ESCO occupations_en.csv / occupations_fr.csv, broaderRelationsOccPillar.csv and "
        "occupationSkillRelations.csv: every released occupation placed directly under an "
        "ISCO-08 unit group of sub-major groups " + ", ".join(TRADE_GROUPS) + "; 'isco' is that "
        "unit group (http://data.europa.eu/esco/isco/C{isco}); 'essential' lists the skills ESCO "
        "links to it as essential (keys of esco-skills.json)",
        "origin": [
            *origin,
            {
                "repository": TABIYA,
                "path": "datasets/esco/v1.1.1/classification/fr/csv/occupations_fr.csv",
                "commit": ESCO_FR_COMMIT,
            },
        ],
        "version": ESCO_VERSION,
        "licence": ESCO_LICENCE,
        "languages": {"en": "ESCO v1.1.1 preferredLabel", "fr": "ESCO v1.1.1 preferredLabel"},
        "absent": {
            **absent,
            "pt": "the only Portuguese copy found here (yamadamuller/ESCO_occupation_extractor_PT, "
            "data/occupations_pt.csv) is ESCO v1.2.0 and lacks one of these occupations, so pt "
            "is left out rather than half-filled",
            "es": "only an older ESCO (v1.0, 2942 occupations) was found in Spanish; it lacks "
            "11 of these occupations, so es is left out rather than half-filled",
        },
        "counts": {"occupation": len(occupations)},
    }
    write("esco-occupations", meta, occupations)
    skills = {
        key: {
            "type": skills_en[skill_base + key]["skillType"],
            "labels": {"en": skills_en[skill_base + key]["preferredLabel"]},
        }
        for key in sorted(used)
    }
    meta = {
        "title": "ESCO skills essential to the occupations of esco-occupations.json",
        "uri": skill_base + "{key}",
        "source": "ESCO skills_en.csv: every skill that occupationSkillRelations.csv links as "
        "essential to an occupation of esco-occupations.json",
        "origin": origin,
        "version": ESCO_VERSION,
        "licence": ESCO_LICENCE,
        "languages": {"en": "ESCO v1.1.1 preferredLabel"},
        "absent": {
            **absent,
            "fr": "the v1.1.1 French skills file is over the size this machine can fetch; the "
            "v1.1.1 French collection files and tabiya's sample give 725 of these skills and an "
            "older v1.0 copy lacks 77, so fr is left out rather than half-filled",
            "es": "only an older ESCO (v1.0) was found in Spanish; it lacks 77 of these skills",
        },
        "counts": {"skill": len(skills)},
    }
    write("esco-skills", meta, skills)
    isco(src, {c["isco"] for c in occupations.values()}, origin)


def isco(src: Path, units: set[str], origin: list[dict[str, str]]) -> None:
    """The ISCO-08 groups above the occupations kept: their unit groups and every group those
    belong to (the occupation facet may name a group instead of an occupation)."""
    en = {r["code"]: r for r in rows(src / "esco-en" / "ISCOGroups_en.csv")}
    fr = {r["code"]: r for r in rows(src / "esco-fr" / "ISCOGroups_fr.csv")}
    levels = {1: "major group", 2: "sub-major group", 3: "minor group", 4: "unit group"}
    codes = sorted({unit[:n] for unit in units for n in range(1, 5)})
    concepts = {
        code: {
            "kind": levels[len(code)],
            "labels": {"en": en[code]["preferredLabel"], "fr": fr[code]["preferredLabel"]},
        }
        for code in codes
    }
    meta = {
        "title": "ISCO-08 groups of the occupations in esco-occupations.json",
        "uri": "http://data.europa.eu/esco/isco/C{key}",
        "source": "ILO ISCO-08 as ESCO publishes it: ISCOGroups_en.csv and ISCOGroups_fr.csv; "
        "the unit groups of esco-occupations.json and the groups above them",
        "origin": [
            origin[0],
            {
                "repository": TABIYA,
                "path": "datasets/esco/v1.1.1/classification/fr/csv/ISCOGroups_fr.csv",
                "commit": ESCO_FR_COMMIT,
            },
        ],
        "version": ESCO_VERSION,
        "licence": ESCO_LICENCE + "; ISCO-08 (c) ILO",
        "languages": {"en": "ESCO v1.1.1 preferredLabel", "fr": "ESCO v1.1.1 preferredLabel"},
        "absent": {
            lang: "ESCO has this language, but no copy of its ISCOGroups file was found here"
            for lang in ("pt", "it", "ro", "es", "ar")
        },
        "counts": counts(concepts, "unit group"),
    }
    write("isco-08", meta, concepts)


def main(src: Path) -> None:
    eqf()
    isced(src)
    digcomp(src)
    digcompedu()
    hcrt(src)
    lrmi(src)
    licences()
    esco(src)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
