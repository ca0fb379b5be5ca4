"""Modules and journeys on the wire: an OrderedCollection typed with Note first so Mastodon
shows it in full (readable content: the items as links, no `summary`), a journey in the shape
of shared/reference/learning-journey.example.json, read back as it was sent, and the one test
of what is a module or a journey."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from compagnon.domain.collections import (
    JOURNEY,
    MODULE,
    Journey,
    Module,
    Phase,
    collection_kind,
    items_by_phase,
    normalised,
    problems,
)
from compagnon.domain.facets import extract
from compagnon.federation.collection_convert import (
    CollectionDocumentError,
    collection_from_document,
    to_collection_object,
)
from compagnon.federation.jsonld import OUR_CONTEXT, expand
from compagnon.storage.models import Actor, Object

TESTS = Path(__file__).parents[1]
JOURNEY_FILE = TESTS / "fixtures" / "reference" / "learning-journey.example.json"
MASTODON_CREATE = (
    TESTS / "interop" / "payloads" / "mastodon" / "create_note_hashtags_attachment.json"
)
BASE = "https://cfp.example"
# What Mastodon's sanitizer keeps (shared/reference/mastodon-interop.md).
MASTODON_TAGS = {"p", "br", "span", "a", "del", "pre", "code", "em", "strong", "b", "i", "u",
                 "ul", "ol", "li", "blockquote"}  # fmt: skip
ITEMS = ("https://cfp.example/objects/7", "https://other.example/oer/kitchen-safety")
MODULE_VALUE = Module(
    title="Kitchen safety toolkit",
    language="en",
    description="Read before the first shift.",
    items=ITEMS,
    license="https://creativecommons.org/licenses/by-sa/4.0/",
)


def wire(value: Module | Journey, titles: dict[str, str] | None = None) -> dict[str, Any]:
    author = Actor(uri=f"{BASE}/users/ana", followers_url=f"{BASE}/users/ana/followers")
    obj = Object(
        uri=f"{BASE}/objects/1",
        published=datetime(2026, 3, 1, tzinfo=UTC),
        recipients={"to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": []},
    )
    return to_collection_object(value, obj, author, titles or {})


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.seen


def test_a_module_reads_on_mastodon_as_a_note_listing_its_items() -> None:
    doc = wire(MODULE_VALUE, {ITEMS[0]: "Knife handling"})
    theirs = json.loads(MASTODON_CREATE.read_text())["object"]
    assert doc["type"] == ["Note", "OrderedCollection"]  # Mastodon shows Note; Misskey: first
    assert "summary" not in doc  # a Note's summary is a content warning on Mastodon
    for key in ("id", "attributedTo", "published", "to", "cc", "content", "contentMap"):
        assert type(doc[key]) is type(theirs[key]), key
    assert list(doc["contentMap"]) == ["en"]
    seen = tags_of(doc["content"])
    assert {tag for tag, _ in seen} <= MASTODON_TAGS
    links = [attrs["href"] for tag, attrs in seen if tag == "a"]
    assert links == [*ITEMS, doc["id"]]  # every item in order, then the module itself
    assert ">Knife handling</a>" in doc["content"]  # its title where this node knows it
    assert f">{ITEMS[1]}</a>" in doc["content"]  # else its address
    assert doc["orderedItems"] == list(ITEMS) and doc["totalItems"] == 2


def test_the_reference_journey_goes_out_in_its_shape_and_comes_back_equal() -> None:
    reference = json.loads(JOURNEY_FILE.read_text())
    journey = collection_from_document(reference)
    assert isinstance(journey, Journey) and problems(normalised(journey)) == []
    doc = wire(journey)
    assert [p["id"] for p in doc["orderedItems"]] == [
        f"{BASE}/objects/1#{key}" for key in ("before", "during", "after")
    ]
    for ours, theirs in zip(doc["orderedItems"], reference["orderedItems"], strict=True):
        for key in ("type", "name", "orderedItems", "totalItems", "educationalCredentialAwarded"):
            assert ours[key] == theirs[key], key
    assert collection_from_document(doc) == journey
    assert [tag for tag, _ in tags_of(doc["content"])] and "summary" not in doc
    assert all(p["educationalCredentialAwarded"] in doc["content"] for p in doc["orderedItems"])


def test_json_ld_keeps_the_items_in_order_and_the_outcome_as_schema_org() -> None:
    doc = {"@context": OUR_CONTEXT, **wire(collection_from_document(json.loads(
        JOURNEY_FILE.read_text())))}  # fmt: skip
    (expanded,) = expand(doc)
    phases = expanded["https://www.w3.org/ns/activitystreams#items"][0]["@list"]
    before = phases[0]
    awarded = before["http://schema.org/educationalCredentialAwarded"][0]["@id"]
    assert awarded == doc["orderedItems"][0]["educationalCredentialAwarded"]
    items = before["https://www.w3.org/ns/activitystreams#items"][0]["@list"]
    assert [i["@id"] for i in items] == doc["orderedItems"][0]["orderedItems"]


def test_what_is_a_module_or_a_journey() -> None:
    assert collection_kind(wire(MODULE_VALUE)) == MODULE
    assert collection_kind(json.loads(JOURNEY_FILE.read_text())) == JOURNEY
    outbox = {"type": "OrderedCollection", "totalItems": 3, "first": "https://x/outbox?page=1"}
    assert collection_kind(outbox) is None  # an outbox, a followers list: not stored
    assert collection_kind({"type": "Note", "orderedItems": []}) is None
    assert collection_kind({"type": ["OrderedCollection"], "orderedItems": []}) == MODULE


def test_a_peers_journey_with_a_phase_twice_keeps_the_first() -> None:
    """Found while writing: two phases both called "before" would have put two rows in one
    place of the items table, and the whole batch of Creates would have failed."""
    doc = json.loads(JOURNEY_FILE.read_text())
    first = doc["orderedItems"][0]
    doc["orderedItems"].append({**first, "orderedItems": ["https://x.example/other"]})
    phases = items_by_phase(doc)
    assert [key for key, _ in phases] == ["before", "during", "after"]
    assert phases[0][1] == first["orderedItems"]


def test_search_lists_them_under_their_own_type() -> None:
    module = extract(wire(MODULE_VALUE))
    journey = extract(wire(collection_from_document(json.loads(JOURNEY_FILE.read_text()))))
    assert module is not None and module.resource_type == "module"
    assert journey is not None and journey.resource_type == "journey"
    assert module.licence == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert "kitchen" in module.words.split()


def test_every_mistake_is_named() -> None:
    bad = Journey(
        title="",
        language="en",
        phases=(
            Phase("before", items=("javascript:alert(1)",)),
            Phase("sometime", items=("https://x.example/1", "https://x.example/1")),
            Phase("before", outcome="badge"),
        ),
    )
    found = problems(normalised(bad))
    assert "A title is needed." in found
    assert any(re.match(r"Item 1 of the phase before is not an http\(s\) URL", f) for f in found)
    assert "A phase is before, during or after, not 'sometime'." in found
    assert "https://x.example/1 is listed twice in the phase sometime." in found
    assert "The phase before is given twice." in found
    assert "The outcome of the phase before is not an http(s) URL: 'badge'." in found


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.sampled_from(["OrderedCollection", "https://x.example/1", "#before", "Note"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(["type", "id", "name", "nameMap", "orderedItems", "description",
                         "educationalCredentialAwarded", "inLanguage", "license"]),
        inner,
        max_size=6,
    ),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_any_document_is_read_or_refused_with_a_reason(doc: Any) -> None:
    """What a peer sends reaches these readers as it is: they answer, or refuse with a
    sentence, never crash the worker."""
    kind = collection_kind(doc)
    phases = items_by_phase(doc) if isinstance(doc, dict) else []
    assert (kind is None) == (phases == [])
    try:
        value = collection_from_document(doc)
    except CollectionDocumentError:
        assert kind is None
        return
    assert kind is not None
    problems(normalised(value))  # every mistake a sentence, none an exception
