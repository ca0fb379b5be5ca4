"""The pickers of the resource form: search by words in the trainer's language, codes the
resource rules read back, and stored values shown again as those codes."""

from __future__ import annotations

import pytest

from compagnon.cli import main
from compagnon.domain.resource_rules import field_problems
from compagnon.domain.resources import LearningResource, competence_ref, normalised, occupation_uri
from compagnon.domain.vocabulary_pickers import label_of, search, short_code


def test_search_finds_by_words_and_labels_in_the_language_asked() -> None:
    (found, *_rest) = search("competences", "browsing filtering", "en")
    assert found.code == "digcomp:1.1"
    assert [c.code for c in search("isced-f", "0715", "fr")] == ["0715"]
    assert "mécanique" in search("isced-f", "0715", "fr")[0].label.lower()
    assert search("occupations", "welder", "en")[0].label == "welder"
    assert search("no-such", "a", "en") == [] and search("competences", "x" * 500, "en") == []


def test_every_code_a_picker_gives_is_read_back_by_the_resource_rules() -> None:
    for query in ("communication", "weld", "digital"):
        for choice in search("competences", query, "en"):
            assert label_of("competences", choice.code, "en"), choice
            assert short_code(competence_ref(choice.code)) == choice.code
        for choice in search("occupations", query, "en"):
            assert short_code(occupation_uri(choice.code)) == choice.code


def test_problems_name_the_field_they_are_about() -> None:
    bad = normalised(
        LearningResource(
            title="",
            description="x" * 6000,
            url="",
            license="all rights",
            language="fr",
            eqf_level=9,
            teaches=("digcomp:9.9",),
        )
    )
    fields = {name for name, _message in field_problems(bad)}
    assert fields == {"title", "description", "url", "license", "eqf_level", "teaches"}


def test_the_cli_finds_the_codes_the_form_pickers_find(capsys: pytest.CaptureFixture[str]) -> None:
    main(["resource", "codes", "competences", "browsing", "filtering"])
    assert capsys.readouterr().out.startswith("digcomp:1.1\tDigComp 1.1 · Browsing")
    main(["resource", "codes", "isced-f", "0715", "--lang", "fr"])
    assert "Mécanique" in capsys.readouterr().out
