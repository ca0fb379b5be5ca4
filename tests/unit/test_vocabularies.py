"""The vocabularies shipped as data (compagnon/domain/vocab): each file against the figures of
its source, every language it lists complete, and the labels read with an English fallback."""

from __future__ import annotations

import json
import re

import pytest

from compagnon.domain.search_query import label as facet_label
from compagnon.domain.vocabularies import NAMES, VOCAB_DIR, Concept, label, vocabulary

WANTED = {"en", "fr", "pt", "it", "ro", "es", "ar"}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_every_file_in_the_folder_is_a_known_vocabulary() -> None:
    assert sorted(p.stem for p in VOCAB_DIR.glob("*.json")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_file_names_its_source_version_and_licence(name: str) -> None:
    meta = vocabulary(name).meta
    for key in ("title", "uri", "source", "licence", "languages", "counts"):
        assert meta.get(key), f"{name}: _meta.{key} is missing"
    assert meta.get("version") or meta.get("origin"), f"{name}: no version"
    for origin in meta.get("origin", []):
        assert origin["repository"] and origin["path"] and origin["commit"]


@pytest.mark.parametrize("name", NAMES)
def test_every_language_a_file_lists_labels_every_concept(name: str) -> None:
    vocab = vocabulary(name)
    assert vocab.languages[0] == "en"
    for concept in vocab.concepts.values():
        assert set(concept.labels) == set(vocab.languages), (name, concept.key)
        assert all(text.strip() for text in concept.labels.values()), (name, concept.key)


@pytest.mark.parametrize("name", NAMES)
def test_every_wanted_language_is_there_or_said_to_be_absent(name: str) -> None:
    meta = vocabulary(name).meta
    absent = set(meta.get("absent", {}))
    assert set(meta["languages"]) | absent >= WANTED, name
    assert not absent & set(meta["languages"]), name


@pytest.mark.parametrize("name", NAMES)
def test_counts_match_the_figures_recorded_from_the_source(name: str) -> None:
    vocab = vocabulary(name)
    found: dict[str, int] = {}
    for concept in vocab.concepts.values():
        kind = str(concept.attributes.get("kind", next(iter(vocab.meta["counts"]))))
        found[kind] = found.get(kind, 0) + 1
    assert found == vocab.meta["counts"]


def test_eqf_has_its_eight_levels() -> None:
    assert list(vocabulary("eqf")) == [str(n) for n in range(1, 9)]


def test_isced_f_has_every_detailed_field_of_the_2013_classification() -> None:
    isced = vocabulary("isced-f")
    detailed = [k for k in isced if isced[k].attributes["kind"] == "detailed field"]
    assert len(detailed) == 80  # UNESCO ISCED-F 2013: 80 detailed fields
    assert all(re.fullmatch(r"\d{3}[1-7]", code) for code in detailed)
    assert label("isced-f", "0715") == "Mechanics and metal trades"
    assert label("isced-f", "1013", "fr") == "Hôtellerie et services de restauration"


def test_digcomp_has_21_competences_in_5_areas_under_kim_uris() -> None:
    digcomp = vocabulary("digcomp")
    kinds = [c.attributes["kind"] for c in digcomp.concepts.values()]
    assert (kinds.count("area"), kinds.count("competence")) == (5, 21)
    assert digcomp.uri("g_15") == "https://w3id.org/kim/digcomp/g_15"
    assert digcomp["g_15"].attributes["code"] == "3.3"
    assert label("digcomp", "g_15") == "Copyright and licences"


def test_digcompedu_has_22_competences_in_6_areas() -> None:
    kinds = [c.attributes["kind"] for c in vocabulary("digcompedu").concepts.values()]
    assert (kinds.count("area"), kinds.count("competence")) == (6, 22)


def test_hcrt_and_lrmi_hold_the_reference_examples_concepts() -> None:
    assert len(vocabulary("hcrt")) == 26
    assert label("hcrt", "assessment", "fr") == "Contrôle d\u2019apprentissage"
    assert vocabulary("lrmi-audience").uri("teacher") == (
        "http://purl.org/dcx/lrmi-vocabs/educationalAudienceRole/teacher"
    )
    assert len(vocabulary("lrmi-audience")) == 8


def test_licences_carry_their_conditions() -> None:
    licences = vocabulary("licences")
    by_sa = licences["https://creativecommons.org/licenses/by-sa/4.0/"].attributes
    assert (by_sa["short"], by_sa["conditions"]) == ("CC BY-SA 4.0", ["by", "sa"])
    cc0 = licences["https://creativecommons.org/publicdomain/zero/1.0/"].attributes
    assert cc0["conditions"] == []


def test_esco_occupations_are_at_least_150_vocational_trades_with_uris() -> None:
    occupations = vocabulary("esco-occupations")
    assert len(occupations) >= 150
    for key, concept in occupations.concepts.items():
        assert re.fullmatch(UUID, key)
        assert occupations.uri(key) == f"http://data.europa.eu/esco/occupation/{key}"
        assert re.fullmatch(r"[35678]\d{3}", concept.attributes["isco"]), key
        assert concept.attributes["essential"], f"{key} has no essential skill"
    majors = {c.attributes["isco"][0] for c in occupations.concepts.values()}
    assert majors == set("35678")


def test_every_essential_skill_is_in_the_skills_file_and_every_skill_is_used() -> None:
    skills = vocabulary("esco-skills")
    used = {
        s
        for c in vocabulary("esco-occupations").concepts.values()
        for s in c.attributes["essential"]
    }
    assert used == set(skills)
    assert all(re.fullmatch(UUID, key) for key in skills)


def test_a_missing_language_falls_back_to_english() -> None:
    assert label("eqf", "4", "pt") == "QEQ nível 4"
    assert label("eqf", "4", "pt-PT") == "QEQ nível 4"
    assert label("eqf", "4", "ro") == "EQF level 4"  # ro is absent from eqf.json
    assert label("digcomp", "g_15", "ar") == "Copyright and licences"
    assert label("eqf", "9") is None
    assert Concept("k", {"en": "x"}).label("xx") == "x"


def test_search_shows_shipped_esco_skill_labels_over_the_documents() -> None:
    skills = vocabulary("esco-skills")
    key = next(iter(skills))
    uri = skills.uri(key)
    assert facet_label("competence", uri, "whatever the sender wrote") == skills[key].labels["en"]


def test_files_stay_small_enough_to_ship() -> None:
    total = sum(p.stat().st_size for p in VOCAB_DIR.glob("*.json"))
    assert total < 3_000_000
    for path in VOCAB_DIR.glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_every_occupation_sits_in_a_shipped_isco_unit_group() -> None:
    isco = vocabulary("isco-08")
    for concept in vocabulary("esco-occupations").concepts.values():
        group = concept.attributes["isco"]
        assert isco[group].attributes["kind"] == "unit group"
        assert group[:1] in isco and group[:2] in isco and group[:3] in isco
    assert isco.uri("7212") == "http://data.europa.eu/esco/isco/C7212"
    assert label("isco-08", "7212", "fr") == "Soudeurs et oxycoupeurs"
