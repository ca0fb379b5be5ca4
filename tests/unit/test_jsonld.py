"""compagnon.federation.jsonld: shipped contexts, offline loader, wire helpers."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld as pyld_jsonld

from compagnon.federation import jsonld
from compagnon.federation.jsonld import (
    AS_PUBLIC,
    CONTEXT_URLS,
    OUR_CONTEXT,
    JsonLdError,
    audience,
    compact,
    document_loader,
    expand,
    first_id,
    has_activitystreams_context,
    ids,
    is_public,
)

REFERENCE = Path(__file__).parents[1] / "fixtures" / "reference"
EXAMPLES = sorted(REFERENCE.glob("*.json"))
AS = "https://www.w3.org/ns/activitystreams#"
SDO = "http://schema.org/"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a socket or resolve a name fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network use during a JSON-LD test: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield


def _activity_inline_context() -> dict[str, Any]:
    doc = json.loads((REFERENCE / "learning-resource.activity.json").read_text())
    inline = doc["@context"][2]
    assert isinstance(inline, dict)
    return inline


def _offline(doc: dict[str, Any]) -> dict[str, Any]:
    """Replace context URLs we do not ship by the activity example's inline context.

    oer-metadata.md says so for the learning journey; the Open Badge example's OB 3.0 context
    is the other one (credentials v2 is shipped).
    """
    context = doc["@context"]
    entries = context if isinstance(context, list) else [context]
    replaced = [
        _activity_inline_context() if isinstance(e, str) and e not in CONTEXT_URLS else e
        for e in entries
    ]
    return {**doc, "@context": replaced}


def _node(expanded: list[Any], node_id: str) -> dict[str, Any]:
    """The expanded node with @id ``node_id``, searched through nested values."""
    stack: list[Any] = list(expanded)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("@id") == node_id:
                return item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    raise AssertionError(f"{node_id} not in the expansion")


def test_every_context_file_is_shipped_and_valid() -> None:
    on_disk = {p.name for p in jsonld.CONTEXTS_DIR.glob("*.json")}
    assert set(CONTEXT_URLS.values()) == on_disk
    for url in CONTEXT_URLS:
        remote = document_loader(url)
        assert remote["tag"] == "static"
        assert remote["documentUrl"] == url
        assert "@context" in remote["document"]


@pytest.mark.parametrize(
    ("url", "alias_of"),
    [
        ("http://www.w3.org/ns/activitystreams", "https://www.w3.org/ns/activitystreams"),
        ("https://www.w3.org/ns/activitystreams.jsonld", "https://www.w3.org/ns/activitystreams"),
        ("https://www.w3.org/ns/activitystreams/", "https://www.w3.org/ns/activitystreams"),
        (
            "https://w3c-ccg.github.io/security-vocab/contexts/security-v1.jsonld",
            "https://w3id.org/security/v1",
        ),
        ("https://schema.org", "http://schema.org/"),
        ("https://schema.org/", "http://schema.org/"),
        ("http://schema.org", "http://schema.org/"),
    ],
)
def test_aliases_serve_the_same_document(url: str, alias_of: str) -> None:
    assert document_loader(url)["document"] == document_loader(alias_of)["document"]


def test_the_contexts_peers_use_are_all_known() -> None:
    fedify_actor = [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        "https://w3id.org/security/data-integrity/v1",
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
        "https://gotosocial.org/ns",
    ]
    others = [
        "https://w3id.org/security/v2",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/identity/v1",
        "http://joinmastodon.org/ns",
        "http://schema.org/",
    ]
    for url in fedify_actor + others:
        assert url in CONTEXT_URLS


def test_unknown_url_is_refused_without_network() -> None:
    with pytest.raises(JsonLdError) as raised:
        document_loader("https://evil.example/context.jsonld")
    assert raised.value.code == "loading document failed"
    # Through pyld too: the error surfaces as a JsonLdError, never as a fetch.
    with pytest.raises(JsonLdError):
        expand({"@context": "https://evil.example/context.jsonld", "id": "https://a.example/1"})


def test_loader_hands_out_copies() -> None:
    first = document_loader("https://w3id.org/security/v1")["document"]
    first["@context"]["tampered"] = "yes"
    assert "tampered" not in document_loader("https://w3id.org/security/v1")["document"]["@context"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_reference_examples_expand_offline(path: Path) -> None:
    doc = _offline(json.loads(path.read_text()))
    expanded = expand(doc)
    top = _node(expanded, doc["id"])
    # At least the main type is known (the Open Badge's own types need the OB 3.0 context,
    # which is not shipped: they stay relative).
    assert any(t.startswith(("https://", "http://")) for t in top["@type"])


def test_learning_resource_metadata_expands_to_schema_org() -> None:
    doc = json.loads((REFERENCE / "learning-resource.activity.json").read_text())
    resource = _node(expand(doc), doc["object"]["id"])
    assert resource["@type"] == [AS + "Note", SDO + "LearningResource"]
    assert resource[SDO + "license"] == [{"@id": "https://creativecommons.org/licenses/by-sa/4.0/"}]
    assert resource[SDO + "timeRequired"] == [{"@value": "PT20M"}]
    # educationalAudience is an alias: it must not land on AS2's audience.
    assert SDO + "audience" in resource
    assert AS + "audience" not in resource


def test_our_context_expands_our_terms() -> None:
    doc = {
        "@context": OUR_CONTEXT,
        "id": "https://node.example/users/ana",
        "type": "Person",
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "featured": "https://node.example/users/ana/featured",
        "learningResourceType": "https://w3id.org/kim/hcrt/assessment",
        "addressCountry": "PT",
        "publicKey": {"id": "https://node.example/users/ana#main-key", "publicKeyPem": "PEM"},
        "attachment": [{"type": "PropertyValue", "name": "Trade", "value": "Welding"}],
    }
    node = expand(doc)[0]
    assert node[SDO + "learningResourceType"] == [
        {"@value": "https://w3id.org/kim/hcrt/assessment"}
    ]
    assert node[AS + "manuallyApprovesFollowers"] == [{"@value": False}]
    assert node["http://joinmastodon.org/ns#discoverable"] == [{"@value": True}]
    assert node["http://joinmastodon.org/ns#featured"] == [
        {"@id": "https://node.example/users/ana/featured"}
    ]
    assert node[SDO + "addressCountry"] == [{"@value": "PT"}]
    assert "https://w3id.org/security#publicKey" in node
    field = node[AS + "attachment"][0]
    assert field["@type"] == [SDO + "PropertyValue"]
    assert field[SDO + "value"] == [{"@value": "Welding"}]


def test_our_context_keeps_the_reference_inline_context_verbatim() -> None:
    ours = OUR_CONTEXT[2]
    assert isinstance(ours, dict)
    for term, definition in _activity_inline_context().items():
        assert ours[term] == definition, term
    assert OUR_CONTEXT[:2] == [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
    ]


def test_compact_round_trip() -> None:
    doc = json.loads((REFERENCE / "learning-resource.activity.json").read_text())
    doc["@context"] = OUR_CONTEXT
    compacted = compact(expand(doc), OUR_CONTEXT)
    # One-element arrays compact to the element.
    assert compacted["object"]["learningResourceType"]["id"] == (
        "https://w3id.org/kim/hcrt/assessment"
    )
    assert compacted["object"]["timeRequired"] == "PT20M"


def test_relative_ids_are_not_invented() -> None:
    doc = {"@context": "https://www.w3.org/ns/activitystreams", "id": "notes/1", "type": "Note"}
    assert expand(doc)[0]["@id"] == "notes/1"
    assert expand(doc, base="https://a.example/")[0]["@id"] == "https://a.example/notes/1"


@pytest.mark.parametrize(
    "doc",
    [
        {"@context": 5},
        {"@context": "https://www.w3.org/ns/activitystreams", "id": {"x": 1}},
        {"@context": {"@version": 2.0}},
    ],
)
def test_malformed_documents_raise_jsonld_error(doc: dict[str, Any]) -> None:
    with pytest.raises(JsonLdError):
        expand(doc)


def test_second_expansion_uses_the_static_cache() -> None:
    """Each shipped context is loaded and processed once per process, not once per call: the
    loader tags its documents static, which lets pyld keep them in its shared cache. (What that
    saves is measured by the micro benchmark, bench/scenarios/micro.py.)"""
    doc = json.loads((REFERENCE / "learning-resource.activity.json").read_text())
    doc["@context"] = [*OUR_CONTEXT, "http://schema.org/"]  # schema.org: the big one
    loaded: list[str] = []

    def counting_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        loaded.append(url)
        return document_loader(url, options)

    options = {"documentLoader": counting_loader, "base": None}
    first = pyld_jsonld.expand(doc, options)
    loaded_by_the_first = list(loaded)
    for _ in range(2):
        assert pyld_jsonld.expand(doc, options) == first
    assert loaded == loaded_by_the_first  # nothing loaded again
    assert expand(doc) == first


@pytest.mark.parametrize(
    "context",
    [
        "https://www.w3.org/ns/activitystreams",
        "http://www.w3.org/ns/activitystreams",
        "https://www.w3.org/ns/activitystreams.jsonld",
        ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        ["https://w3id.org/security/v1", {"toot": "x"}, "http://www.w3.org/ns/activitystreams"],
    ],
)
def test_activitystreams_context_is_recognised(context: object) -> None:
    assert has_activitystreams_context({"@context": context})


@pytest.mark.parametrize(
    "context",
    [None, "https://w3id.org/security/v1", [], [{"as": "https://www.w3.org/ns/activitystreams"}]],
)
def test_missing_activitystreams_context_is_noticed(context: object) -> None:
    assert not has_activitystreams_context({"@context": context})
    assert not has_activitystreams_context({})


@pytest.mark.parametrize("value", [AS_PUBLIC, "as:Public", "Public"])
def test_public_spellings(value: str) -> None:
    assert is_public(value)


@pytest.mark.parametrize("value", ["https://a.example/followers", "public", "", None, 3])
def test_not_public(value: object) -> None:
    assert not is_public(value)


def test_audience_collects_every_shape() -> None:
    activity = {
        "to": "as:Public",
        "cc": ["https://a.example/users/ana/followers", {"id": "https://b.example/users/bo"}],
        "bto": {"type": "Link", "href": "https://c.example/users/cy"},
        "bcc": [None, 5, ["nested"], {"name": "no id"}],
        "audience": "https://a.example/groups/g",
    }
    assert audience(activity) == {
        AS_PUBLIC,
        "https://a.example/users/ana/followers",
        "https://b.example/users/bo",
        "https://c.example/users/cy",
        "https://a.example/groups/g",
    }
    assert audience({}) == set()


def test_ids_and_first_id() -> None:
    assert ids("https://a.example/1") == ["https://a.example/1"]
    assert ids({"id": "https://a.example/1", "href": "https://ignored.example"}) == [
        "https://a.example/1"
    ]
    assert ids({"type": "Link", "href": "https://a.example/2"}) == ["https://a.example/2"]
    assert ids(["https://a.example/1", {"id": "https://a.example/2"}, 7, ""]) == [
        "https://a.example/1",
        "https://a.example/2",
    ]
    assert ids(None) == []
    assert first_id([{"href": "https://a.example/3"}, "https://a.example/4"]) == (
        "https://a.example/3"
    )
    assert first_id([]) is None
    assert first_id({"id": 5}) is None
