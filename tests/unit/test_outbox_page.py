"""An outbox page's items and its byte bound (FEDERATION.md, "outbox"): what counts is what is
sent, so a catalogue of Creates with long `@context`s still goes out in full pages."""

from __future__ import annotations

from typing import Any

import orjson

from compagnon.server.views.activitypub import page_items

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def create(n: int, *, public: bool = True, context_bytes: int = 2000) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", {"x": "y" * context_bytes}],
        "id": f"https://a.example/activities/{n}",
        "type": "Create",
        "to": [PUBLIC if public else "https://a.example/users/t/followers"],
        "object": {"id": f"https://a.example/objects/{n}", "type": "Note", "content": "z" * 900},
        "proof": {"@context": "copy of the item's", "proofValue": "z" * 88},
    }


def sent(items: list[orjson.Fragment]) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = orjson.loads(orjson.dumps(items))
    return loaded


def test_the_bound_counts_the_items_as_sent_without_their_context_and_proof() -> None:
    raws = [create(n) for n in range(100)]
    # Exactly the first 60 items as sent; stored documents (context included) would fit ~20.
    as_sent = [{k: v for k, v in r.items() if k not in {"@context", "proof"}} for r in raws]
    cap = sum(len(orjson.dumps(item)) for item in as_sent[:60])

    items, taken = page_items(raws, cap)

    assert taken == 60
    assert [item["id"] for item in sent(items)] == [
        f"https://a.example/activities/{n}" for n in range(60)
    ]
    assert all("@context" not in item and "proof" not in item for item in sent(items))
    assert len(orjson.dumps(items)) == cap + 61  # the items, 59 commas and the brackets


def test_items_not_public_are_taken_but_not_shown_nor_counted() -> None:
    raws = [create(0), create(1, public=False), create(2)]
    items, taken = page_items(raws, 10_000)
    assert taken == 3  # the next page starts after all three
    assert [item["object"]["id"] for item in sent(items)] == [
        "https://a.example/objects/0",
        "https://a.example/objects/2",
    ]


def test_one_item_larger_than_the_bound_still_makes_a_page() -> None:
    items, taken = page_items([create(0), create(1)], 10)
    assert taken == 1 and len(sent(items)) == 1
