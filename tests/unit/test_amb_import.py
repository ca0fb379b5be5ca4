"""An AMB record read back (compagnon/handover/amb_import.py) gives a document whose own
record is the same, for every test resource (every field, files, two languages); a record
that cannot be a resource is refused with the field named."""

from __future__ import annotations

from typing import Any

import pytest

from compagnon.federation.amb import amb_record
from compagnon.handover.amb_import import BadRecord, document_from_record, with_provenance
from compagnon.handover.export import embedded_names
from tests.unit.test_amb import RESOURCES, errors, record
from tests.unit.test_resource_wire import BASE, wire


def again(doc: dict[str, Any]) -> dict[str, Any]:
    """The record the importing node makes, knowing only what the document carries."""
    names, types = embedded_names([doc])
    return amb_record(
        doc,
        record_url=f"{doc['id']}/amb",
        provider_url=f"{BASE}/",
        provider_name="Centre",
        names=names,
        actor_types=types,
    )


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_a_record_read_back_gives_the_same_record(name: str) -> None:
    sent = record(wire(RESOURCES[name]))
    doc = with_provenance(document_from_record(sent), "a.jsonl", "2026-12-06T20:00:00+00:00")
    kept = again(doc)
    assert kept == sent
    assert errors(kept) == []


GOOD = record(wire(RESOURCES["quiz"]))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "javascript:alert(1)"}, "id: a record needs the resource's http(s) address"),
        ({"id": None}, "id: a record needs"),
        ({"type": ["Event"]}, "type: not a LearningResource"),
        ({"name": ""}, "name: a record needs a title"),
        ({"name": ["a", "list"]}, "name: a record needs a title"),
        ({"creator": None, "publisher": None}, "creator: a record needs a creator"),
        (
            {
                "creator": [{"type": "Person", "id": "https://elsewhere.example/users/x"}],
                "publisher": None,
            },
            "creator: not on the resource's host",
        ),
        ({"datePublished": "yesterday"}, "datePublished: not a date"),
    ],
)
def test_a_bad_record_is_refused_by_its_field(changes: dict[str, Any], message: str) -> None:
    bad = {**GOOD, **changes}
    with pytest.raises(BadRecord, match=message.replace("(", r"\(").replace(")", r"\)")):
        document_from_record(bad)


def test_hostile_values_are_dropped_not_kept() -> None:
    doc = document_from_record(
        {
            **GOOD,
            "license": {"id": "javascript:alert(1)"},
            "encoding": [{"contentUrl": "data:text/html,<script>"}, "nonsense"],
            "keywords": ["ok", 3, None, "x" * 30_000],
            "isBasedOn": [{"id": "file:///etc/passwd", "name": "x"}],
        }
    )
    assert "license" not in doc and "attachment" not in doc and "isBasedOn" not in doc
    assert doc["keywords"] == ["ok"]
    with pytest.raises(BadRecord, match="not an AMB record"):
        document_from_record(["a", "list"])
