"""The vocabularies taken from ESCO's CSVs: ISCED-F fields (ESCO's skill groups), the
occupations of the main vocational trades with their essential skills, and the ISCO-08 groups
above them."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from .output import counts, first_upper, rows, write

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
