"""An outbox page's items and its byte bound (FEDERATION.md, "outbox"): what counts is what is
sent, so a catalogue of Creates with long `@context`s and proofs still goes out in full pages.
The rows are as the database gives them (the items' text already without those keys: the
query is tested in tests/integration/test_object_signatures.py and test_json_sql.py)."""

from __future__ import annotations

from typing import Any

import orjson

from compagnon.server.views.activitypub import page_items
from compagnon.storage.queries.activities import OutboxRow

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
FOLLOWERS = "https://a.example/users/t/followers"


def row(n: int, *, public: bool = True) -> OutboxRow:
    to = [PUBLIC if public else FOLLOWERS]
    item = {
        "id": f"https://a.example/activities/{n}",
        "type": "Create",
        "to": to,
        "object": {"id": f"https://a.example/objects/{n}", "type": "Note", "content": "z" * 900},
    }
    return OutboxRow(n, orjson.dumps(item).decode(), to, [])


def sent(items: list[orjson.Fragment]) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = orjson.loads(orjson.dumps(items))
    return loaded


def test_the_bound_counts_the_items_as_sent() -> None:
    rows = [row(n) for n in range(100)]
    cap = sum(len(r.item.encode()) for r in rows[:60])  # exactly the first 60 items

    items, taken = page_items(rows, cap)

    assert taken == 60
    assert [item["id"] for item in sent(items)] == [
        f"https://a.example/activities/{n}" for n in range(60)
    ]
    assert len(orjson.dumps(items)) == cap + 61  # the items, 59 commas and the brackets


def test_the_bound_counts_bytes_not_characters() -> None:
    rows = [row(n) for n in range(3)]
    wide = orjson.loads(rows[0].item)
    wide["object"]["content"] = "é" * 900  # two bytes each in UTF-8
    rows[0] = OutboxRow(0, orjson.dumps(wide).decode(), rows[0].to, [])
    cap = len(rows[0].item.encode()) + len(rows[1].item) - 1  # room for one as bytes, not two

    items, taken = page_items(rows, cap)

    assert taken == 1 and len(sent(items)) == 1


def test_items_not_public_are_taken_but_not_shown_nor_counted() -> None:
    rows = [row(0), row(1, public=False), row(2)]
    items, taken = page_items(rows, 10_000)
    assert taken == 3  # the next page starts after all three
    assert [item["object"]["id"] for item in sent(items)] == [
        "https://a.example/objects/0",
        "https://a.example/objects/2",
    ]


def test_unlisted_items_are_shown() -> None:
    unlisted = OutboxRow(5, row(5).item, FOLLOWERS, [PUBLIC])  # to as a string, Public in cc
    items, taken = page_items([unlisted], 10_000)
    assert taken == 1 and len(sent(items)) == 1


def test_one_item_larger_than_the_bound_still_makes_a_page() -> None:
    items, taken = page_items([row(0), row(1)], 10)
    assert taken == 1 and len(sent(items)) == 1
