"""A translation on the wire: schema.org `translationOfWork`, and `isBasedOn` too (readers of
isBasedOn alone, AMB's among them, still see the chain); read back as it was sent; the
sources a received document names (federation/lineage.py: sources_in)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from compagnon import i18n
from compagnon.domain.resource_rules import problems
from compagnon.domain.resources import LearningResource, normalised
from compagnon.federation.convert import wrap
from compagnon.federation.jsonld import expand
from compagnon.federation.lineage import sources_in
from compagnon.federation.resource_convert import resource_from_document, to_resource_object
from compagnon.storage.models import Actor, Object
from tests.support.resources import WELDING

BASE = "https://cfp.example"
SDO = "http://schema.org/"
ORIGINAL = "https://centre.example.fr/objects/original"
OTHER = "https://oer.example.net/objects/other"


def wire(resource: LearningResource) -> dict[str, Any]:
    author = Actor(uri=f"{BASE}/users/ana", followers_url=f"{BASE}/users/ana/followers")
    obj = Object(
        uri=f"{BASE}/objects/1",
        published=datetime(2026, 3, 1, tzinfo=UTC),
        recipients={"to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": []},
    )
    return to_resource_object(resource, obj, author, BASE)


def test_a_translation_travels_as_translation_of_work_and_is_based_on() -> None:
    translation = replace(WELDING, is_based_on=(OTHER,), translation_of=(ORIGINAL,))
    doc = wire(translation)
    assert doc["translationOfWork"] == [ORIGINAL]
    assert doc["isBasedOn"] == [ORIGINAL, OTHER]  # the translated source first
    assert resource_from_document(doc) == translation
    expanded = expand({"@context": wrap("Create", "x", "y", {})["@context"], **doc})[0]
    assert expanded[f"{SDO}translationOfWork"] == [{"@id": ORIGINAL}]
    assert {"@id": ORIGINAL} in expanded[f"{SDO}isBasedOn"]
    assert sources_in(doc) == [(ORIGINAL, True), (OTHER, False)]
    # Mastodon readers see the chain in the content, in the language of each content
    for lang, content in doc["contentMap"].items():
        token = i18n.current_language.set(i18n.supported(lang) or "en")
        try:
            translated_from, based_on = i18n._("Translation of"), i18n._("Based on")
        finally:
            i18n.current_language.reset(token)
        assert f'<p>{translated_from} <a href="{ORIGINAL}">{ORIGINAL}</a></p>' in content
        assert f'<p>{based_on} <a href="{OTHER}">{OTHER}</a></p>' in content
    assert "Tradução de" in doc["contentMap"]["pt-PT"]  # a Portuguese resource reads so


def test_a_remix_has_no_translation_of_work() -> None:
    doc = wire(replace(WELDING, is_based_on=(ORIGINAL,)))
    assert "translationOfWork" not in doc
    assert sources_in(doc) == [(ORIGINAL, False)]


def test_a_source_named_both_ways_is_a_translation_once() -> None:
    both = normalised(replace(WELDING, is_based_on=(ORIGINAL,), translation_of=(ORIGINAL,)))
    assert both.is_based_on == () and both.sources == (ORIGINAL,)
    bad = normalised(replace(WELDING, translation_of=("javascript:alert(1)",)))
    assert any("translates" in p for p in problems(bad))


def test_sources_of_a_received_document_are_read_defensively() -> None:
    doc = {
        "id": ORIGINAL,
        "isBasedOn": [ORIGINAL, {"id": OTHER}, 3, "javascript:x", None],
        "translationOfWork": {"href": OTHER},
    }
    assert sources_in(doc) == [(OTHER, True)]  # not itself, not unsafe URLs, once
    assert sources_in({"isBasedOn": [f"https://x.example/{i}" for i in range(80)]})[-1] == (
        "https://x.example/49",
        False,
    )
    assert sources_in(None) == []
