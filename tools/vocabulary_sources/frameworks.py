"""The vocabularies with no machine-readable multilingual source: EQF, DigComp, DigCompEdu and
the licences, rebuilt from the tables here (DigComp's order checked against KIM's CSV)."""

from __future__ import annotations

import csv
from pathlib import Path

from .output import WANTED, counts, write


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
