"""What search reads from a learning resource on the wire (the reference payload, and ours),
and how it reads what a person types."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compagnon.domain.facets import extract, normalise, prefixes, sort_key
from compagnon.domain.search_query import BadSearch, fts5_query, label, parse
from compagnon.federation.resource_convert import to_resource_object
from compagnon.storage.models import Actor, Object
from tests.support.resources import QUIZ

REFERENCE = Path(__file__).parents[1] / "fixtures" / "reference"


def reference_resource() -> dict[str, Any]:
    activity = json.loads((REFERENCE / "learning-resource.activity.json").read_text())
    return dict(activity["object"])


def test_the_reference_payload_gives_every_facet() -> None:
    facets = extract(reference_resource())
    assert facets is not None
    assert facets.visibility == "public"
    assert (facets.language, facets.eqf, facets.isced) == ("en", 4, "0611")
    assert facets.resource_type == "assessment"
    assert facets.licence == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert dict(facets.competences) == {
        "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a": (
            "develop digital content"
        ),
        "https://w3id.org/kim/digcomp/g_15": "Copyright and licences",
    }
    for word in ("licensing", "self", "check", "creative", "commons", "cpd", "oer"):
        assert word in facets.words.split()


def test_our_own_resource_object_gives_the_same_facets() -> None:
    author = Actor(uri="https://cfp.example/users/ana", followers_url="https://cfp.example/f")
    obj = Object(
        uri="https://cfp.example/objects/1",
        published=datetime(2026, 3, 1, tzinfo=UTC),
        recipients={"to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": []},
    )
    facets = extract(to_resource_object(QUIZ, obj, author, "https://cfp.example"))
    assert facets is not None
    assert (facets.language, facets.eqf, facets.isced, facets.resource_type) == (
        "en",
        4,
        "0611",
        "assessment",
    )
    assert facets.licence == QUIZ.license
    assert {"licensing", "vet", "creative", "commons", "oer"} <= set(facets.words.split())


def test_what_search_does_not_list() -> None:
    doc = reference_resource()
    assert extract({**doc, "type": "Note"}) is None
    followers_only = {**doc, "to": ["https://cfp-lisboa.example.org/users/ana/followers"], "cc": []}
    assert extract(followers_only) is None
    unlisted = {**doc, "to": [], "cc": ["https://www.w3.org/ns/activitystreams#Public"]}
    assert extract(unlisted) is not None and extract(unlisted).visibility == "unlisted"  # type: ignore[union-attr]


def test_unusual_but_valid_shapes_are_read() -> None:
    doc = {
        "type": ["Note", "LearningResource"],
        "to": "https://www.w3.org/ns/activitystreams#Public",
        "nameMap": {"pt-PT": "Formação em soldadura"},
        "educationalLevel": {"id": "http://data.europa.eu/snb/eqf/5"},
        "license": "http://creativecommons.org/licenses/by/4.0/legalcode",
        "keywords": "solda, MIG",
        "assesses": "https://node.example/vocab/digcompedu/2.2",
        "learningResourceType": "https://w3id.org/kim/hcrt/not-a-type",
        "educationalAlignment": [{"targetUrl": "http://data.europa.eu/snb/eqf/99"}],
    }
    facets = extract(doc)
    assert facets is not None
    assert (facets.language, facets.eqf, facets.resource_type) == ("pt", 5, None)
    assert facets.licence == "https://creativecommons.org/licenses/by/4.0/"
    assert facets.competences == (("digcompedu:2.2", ""),)
    assert facets.words == "formacao em soldadura solda mig"


def test_words_are_found_by_their_prefixes_of_3_to_8_letters() -> None:
    assert prefixes("soldadura mig a") == ("mig sol sold solda soldad soldadu soldadur")


def test_sort_keys_order_by_date_then_id() -> None:
    early, late = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert sort_key(early, 999) < sort_key(late, 1) < sort_key(late, 2)
    assert sort_key(datetime(2140, 1, 1, tzinfo=UTC), 2**31 - 1) <= 2**63 - 1
    with pytest.raises(ValueError):
        sort_key(early, 2**31)


def test_a_query_string_becomes_a_search() -> None:
    request = parse({"q": "Soldadura  MIG, nível 3!", "eqf": "3", "lang": "pt", "field": "0715"})
    assert request.filters.words == ("soldadura", "mig", "nivel", "3")
    assert (request.filters.eqf, request.filters.lang, request.filters.field) == (3, "pt", "0715")
    assert fts5_query(request.filters.words) == (
        '{words} : "soldadura" AND {prefixes} : "mig" AND {prefixes} : "nivel" AND {words} : "3"'
    )


def test_syntax_characters_are_not_passed_on() -> None:
    words = parse({"q": 'weld* OR "x" NEAR(a) -c ^d:e'}).filters.words
    assert words == ("weld", "or", "x", "near", "a", "c", "d", "e")
    assert parse({"q": '*"():^-'}).filters.words == ()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"eqf": "99"}, "EQF levels go from 1 to 8."),
        ({"eqf": "four"}, "EQF levels go from 1 to 8."),
        ({"q": "x" * 201}, "Search text is at most 200 characters."),
        ({"q": "a b c d e f g h i"}, "Search with at most 8 words."),
        ({"lang": "Portuguese"}, "A language is a code such as en or pt."),
        ({"field": "07"}, "A field of education is a 4-digit code."),
        ({"before": "-1"}, "That page link is broken; search again."),
        ({"before": "99999999999999999999"}, "That page link is broken; search again."),
        ({"competence": "javascript:alert(1)"}, "Unknown competence."),
    ],
)
def test_bad_parameters_are_named(params: dict[str, str], message: str) -> None:
    with pytest.raises(BadSearch, match=message.replace(".", r"\.")):
        parse(params)


def test_facet_values_are_shown_with_labels() -> None:
    assert label("eqf", "4") == "EQF level 4"
    assert label("eqf", "4", lang="pt") == "QEQ nível 4"
    assert label("field", "0715") == "Mechanics and metal trades"
    assert label("competence", "https://w3id.org/kim/digcomp/g_15") == "Copyright and licences"
    assert label("competence", "digcompedu:2.2") == "Creating and modifying digital resources"
    assert label("competence", "http://data.europa.eu/esco/skill/x", "weld") == "weld"
    assert label("licence", "https://creativecommons.org/licenses/by-sa/4.0/") == "CC BY-SA 4.0"
    assert label("licence", "https://cfp.example/terms/") == "not open: https://cfp.example/terms/"
    welder = "http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b"
    assert label("occupation", welder) == "welder"
    assert label("occupation", welder, lang="fr") == "soudeur/soudeuse"
    assert label("occupation", "http://data.europa.eu/esco/isco/C7212").startswith("Welders")


@given(st.text() | st.text(alphabet=st.characters(max_codepoint=127)))
def test_normalising_is_decomposing_without_marks_then_folding(text: str) -> None:
    """ASCII text takes a short way (facets.normalise); every text gives what the rule says,
    so "Formação" and "formacao" stay the same word."""
    decomposed = unicodedata.normalize("NFKD", text)
    expected = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    assert normalise(text) == expected


@given(st.lists(st.sampled_from(["welding", "vet", "we", "weldings", "x" * 12]), max_size=30))
def test_prefixes_are_those_of_every_word_once(words: list[str]) -> None:
    expected = {w[:n] for w in words for n in range(3, 9) if n <= len(w)}
    assert prefixes(" ".join(words)) == " ".join(sorted(expected))
