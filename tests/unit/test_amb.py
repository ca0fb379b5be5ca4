"""A learning resource's AMB record (federation/amb.py): every test resource's record
validates against AMB's JSON Schema (tests/fixtures/amb, as published), a peer's document of
any shape gives a valid record, the record embeds safely in a page, and JSON-LD reads the
same schema.org statements from our activity and from the record (FEDERATION.md says which
terms differ and why)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource

from compagnon.domain.resources import Attachment, LearningResource, Translation
from compagnon.federation.amb import amb_record, script_json
from compagnon.federation.jsonld import OUR_CONTEXT, expand
from tests.support.resources import QUIZ, WELDING
from tests.unit.test_resource_wire import BASE, wire

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCHEMAS = FIXTURES / "amb" / "schemas"
SDO = "http://schema.org/"
H5P = Attachment(f"{BASE}/media/{'b' * 64}", "application/h5p+zip", "quiz.h5p", 482133)
PDF = Attachment(f"{BASE}/media/{'a' * 64}", "application/pdf", "Handout.pdf", 48213)

# Every resource the tests publish, and the odd cases of the wire format.
RESOURCES: dict[str, LearningResource] = {
    "quiz": QUIZ,
    "welding, every field": WELDING,
    "welding with a PDF and an H5P file": replace(WELDING, attachments=(PDF, H5P)),
    "files only, no link": replace(QUIZ, url="", attachments=(H5P,)),
    "pt-PT first, English translation": replace(
        QUIZ, language="pt-PT", translations=(Translation("en", "Quiz", "A quiz."),)
    ),
    "other terms (not open)": replace(QUIZ, license="https://cfp.example.org/terms"),
    "bare": LearningResource("Bare", "", "https://cfp.example.org/x", "CC0", "en"),
    "a language with no two-letter code": replace(QUIZ, language="fil", languages=("sr-Latn",)),
}
NAMES = {f"{BASE}/users/ana": "Ana Example", f"{BASE}/users/centre": "Centre"}


DATE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def formats() -> FormatChecker:
    """Formats checked as AMB's validator does; `date-time` by its RFC 3339 shape (the
    package jsonschema would use for it is not installed, and without a check for it
    AMB's "date or date-time" would match a date twice)."""
    checker = FormatChecker()
    checker.checks("date-time")(
        lambda value: not isinstance(value, str) or bool(DATE_TIME_RE.match(value))
    )
    return checker


def validator() -> Draft7Validator:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry: Registry[Any] = Registry().with_resources(resources)
    entry = json.loads((SCHEMAS / "schema.json").read_text())
    return Draft7Validator(entry, registry=registry, format_checker=formats())


def record(doc: dict[str, Any]) -> dict[str, Any]:
    return amb_record(
        doc,
        record_url=f"{doc.get('id')}/amb",
        provider_url=f"{BASE}/",
        provider_name="Centre",
        names=NAMES,
        actor_types={f"{BASE}/users/centre": "Organization"},
    )


def errors(found: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(found)]


def test_the_schema_is_the_real_one() -> None:
    """The validator refuses what AMB refuses (its own invalid examples) and takes the
    reference record: a validation that could not fail would prove nothing."""
    reference = json.loads((FIXTURES / "reference" / "learning-resource.amb.json").read_text())
    assert errors(reference) == []
    bad = {**reference, "license": "https://creativecommons.org/licenses/by/4.0/"}
    assert errors(bad)  # a string where AMB wants {"id": ...}
    assert errors({**reference, "inLanguage": ["pt-PT"]})


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_test_resource_gives_a_valid_amb_record(name: str) -> None:
    found = record(wire(RESOURCES[name]))
    assert errors(found) == []
    assert found["id"] == f"{BASE}/objects/1"
    assert found["mainEntityOfPage"][0]["id"] == f"{BASE}/objects/1/amb"


def test_the_record_carries_every_field_amb_has_room_for() -> None:
    found = record(wire(replace(WELDING, attachments=(PDF, H5P))))
    assert found["@context"][1] == {"@language": "en"}
    assert found["name"] == WELDING.title and found["description"] == WELDING.description
    assert found["license"] == {"id": WELDING.license}
    assert found["inLanguage"] == ["en", "fr", "pt"]  # pt-PT: AMB takes two letters
    assert found["creator"] == [
        {"type": "Person", "id": f"{BASE}/users/ana", "name": "Ana Example"}
    ]
    assert found["publisher"][0]["type"] == "Organization"
    assert [t["id"] for t in found["learningResourceType"]] == [
        "https://w3id.org/kim/hcrt/worksheet"
    ]
    assert len(found["audience"]) == 2 and found["audience"][0]["type"] == "Concept"
    assert {a["targetUrl"] for a in found["educationalAlignment"]} == {
        "http://data.europa.eu/snb/eqf/3",
        "http://data.europa.eu/snb/isced-f/0715",
    }
    assert len(found["teaches"]) == 2 and len(found["assesses"]) == 1
    assert found["competencyRequired"][0]["id"] == f"{BASE}/vocab/digcompedu/2.2"
    assert [o["id"] for o in found["occupationalCategory"]] == list(WELDING.occupations)
    assert found["timeRequired"] == "PT1H30M"
    assert found["isBasedOn"] == [{"id": WELDING.is_based_on[0], "name": WELDING.is_based_on[0]}]
    assert found["encoding"] == [
        {
            "type": "MediaObject",
            "contentUrl": PDF.url,
            "encodingFormat": "application/pdf",
            "contentSize": "48213",
        },
        {
            "type": "MediaObject",
            "contentUrl": H5P.url,
            "encodingFormat": "application/h5p+zip",
            "contentSize": "482133",
        },
    ]
    assert "license" not in record(wire(RESOURCES["other terms (not open)"]))


ODD_DOCUMENTS: list[dict[str, Any]] = [
    {"id": "https://peer.example/r/1"},
    {
        "id": "https://peer.example/r/2",
        "name": ["not", "a", "string"],
        "nameMap": {"xx-YY": "Title", "de": 3},
        "inLanguage": "de-AT",
        "license": {"id": "javascript:alert(1)"},
        "learningResourceType": [{"id": "https://example.org/not-hcrt", "prefLabel": "x"}],
        "educationalAudience": "teacher",
        "teaches": [{"id": "http://x.example/s", "prefLabel": {"en-GB": "skill", "de": ["x"]}}],
        "attachment": [
            {"url": "data:text/html,x"},
            {"url": "https://p.example/f", "mediaType": "bad type", "contentSize": "12 MB"},
        ],
        "educationalAlignment": [{"targetUrl": "ftp://x"}, "nonsense"],
        "isBasedOn": [{"id": "https://p.example/src"}, 7],
        "published": "yesterday",
        "updated": "2026-13-45T00:00:00Z",
        "keywords": "one",
        "timeRequired": 20,
        "creator": ["https://peer.example/users/x"],
    },
]


@pytest.mark.parametrize("doc", ODD_DOCUMENTS)
def test_a_peers_odd_document_still_gives_a_valid_record(doc: dict[str, Any]) -> None:
    found = record(doc)
    assert errors(found) == [], found


def test_the_reference_activity_gives_a_valid_record() -> None:
    activity = json.loads((FIXTURES / "reference" / "learning-resource.activity.json").read_text())
    found = record(activity["object"])
    assert errors(found) == []
    assert found["encoding"][0]["encodingFormat"] == "application/pdf"


def test_the_embedded_record_cannot_end_its_script_block() -> None:
    title = 'Weld </script><script>alert(1)</script> & <!-- "quotes"'
    found = record(wire(replace(QUIZ, title=title)))
    text = script_json(found)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["name"] == title


# --- JSON-LD: the same schema.org statements in the activity and the record ---------------

# Terms both carry and that JSON-LD reads to the same statements.
SAME = {
    "license",
    "learningResourceType",
    "audience",
    "teaches",
    "assesses",
    "competencyRequired",
    "educationalAlignment",
    "keywords",
    "timeRequired",
    "isBasedOn",
    "isPartOf",
    "creator",
    "publisher",
    "occupationalCategory",
}


def _value(item: dict[str, Any]) -> Any:
    if "@id" in item:
        return ("id", item["@id"])
    if "@value" in item:
        return ("value", str(item["@value"]))  # the language tag is compared apart
    return ("node", frozenset(_statements(item)))


def _statements(node: dict[str, Any]) -> set[tuple[str, Any]]:
    found = set()
    for predicate, values in node.items():
        if predicate.startswith(SDO):
            term = predicate[len(SDO) :]
            for item in values if isinstance(values, list) else [values]:
                found.add((term, _value(item)))
    return found


def statements(doc: dict[str, Any], context: Any) -> set[tuple[str, Any]]:
    [node] = [n for n in expand({**doc, "@context": context}) if n.get("@id") == doc["id"]]
    return _statements(node)


def test_json_ld_reads_the_same_schema_org_statements_from_activity_and_record() -> None:
    for resource in (WELDING, replace(WELDING, attachments=(PDF, H5P)), QUIZ):
        activity = wire(resource)
        amb = record(activity)
        ours = statements(activity, OUR_CONTEXT)
        theirs = statements({k: v for k, v in amb.items() if k != "@context"}, amb["@context"])
        if resource is WELDING:  # every shared term is there to compare
            assert {t for t, _v in ours} >= SAME and {t for t, _v in theirs} >= SAME
        for term in SAME:
            assert {s for s in ours if s[0] == term} == {s for s in theirs if s[0] == term}, term
        assert any(s[0] == "teaches" for s in theirs) == bool(resource.teaches)
        # The record gives the primary language's description; the activity every one.
        assert {s for s in theirs if s[0] == "description"} <= ours
        assert ("description", ("value", resource.description)) in theirs
        # inLanguage: the activity's BCP 47 tags, the record's two-letter codes.
        tags = {v[1] for t, v in ours if t == "inLanguage"}
        assert {v[1] for t, v in theirs if t == "inLanguage"} == {t.split("-")[0] for t in tags}
        # The title is ActivityStreams' `name` in the activity, schema.org's in the record.
        assert ("name", ("value", resource.title)) in theirs
        assert not any(t == "name" for t, _v in ours)
        # EQF: a schema.org educationalLevel in the activity; AMB's takes KIM levels only,
        # so the record has the level in educationalAlignment alone (both have that).
        assert not any(t == "educationalLevel" for t, _v in theirs)
