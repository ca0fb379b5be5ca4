"""The URL rule where remote documents are read: unsafe ids refused, unsafe URLs dropped."""

from __future__ import annotations

from typing import Any

import pytest

from compagnon.federation.actor_convert import actor_fields_from_document
from compagnon.federation.catalogue_pages import pick_objects
from compagnon.federation.convert import attachments_of, object_fields_from_note
from compagnon.federation.urls import host_of

ACTOR = "https://a.example/users/ana"
JS = "javascript:alert(1)"


def actor(**changes: Any) -> dict[str, Any]:
    return {"id": ACTOR, "type": "Person", "inbox": f"{ACTOR}/inbox", **changes}


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "javascript://a.example/users/ana"},
        {"id": "//a.example/users/ana"},
        {"inbox": JS},
        {"inbox": " https://a.example/inbox"},
    ],
)
def test_an_actor_without_http_id_and_inbox_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="http"):
        actor_fields_from_document(actor(**changes))


def test_unsafe_urls_of_an_actor_are_dropped_and_safe_ones_kept() -> None:
    fields = actor_fields_from_document(
        actor(
            url=[JS, {"type": "Link", "href": "https://a.example/@ana"}],
            icon={"type": "Image", "url": "data:image/svg+xml,<svg onload=alert(1)>"},
            outbox=JS,
            followers="vbscript:x",
            endpoints={"sharedInbox": "JaVaScRiPt:alert(1)"},
        )
    )
    assert fields["url"] == "https://a.example/@ana"
    assert fields["icon_url"] is None
    assert (fields["outbox"], fields["followers_url"], fields["shared_inbox"]) == ("", "", None)


def note(**changes: Any) -> dict[str, Any]:
    return {"id": "https://a.example/notes/1", "type": "Note", "attributedTo": ACTOR, **changes}


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        (JS, None),
        ("\tjavascript:alert(1)", None),
        ({"type": "Link", "href": "data:text/html,x"}, None),
        (
            [{"type": "Link", "mediaType": "text/html", "href": JS}, "https://a.example/n/1"],
            "https://a.example/n/1",
        ),
        ("https://a.example/n/1", "https://a.example/n/1"),
    ],
)
def test_an_objects_url_keeps_only_a_safe_one(url: Any, kept: str | None) -> None:
    assert object_fields_from_note(note(url=url), "")["url"] == kept


def test_unsafe_attachments_tags_and_replies_are_dropped() -> None:
    doc = note(
        attachment=[JS, {"type": "Document", "url": "vbscript:x"}, "https://a.example/f.pdf"],
        tag=[{"type": "Mention", "href": JS, "name": "@x"}],
        inReplyTo=JS,
    )
    assert [a["url"] for a in attachments_of(doc)] == ["https://a.example/f.pdf"]
    fields = object_fields_from_note(doc, "")
    assert fields["recipients"]["tag"] == [{"type": "Mention", "href": "", "name": "@x"}]
    assert fields["in_reply_to"] is None
    assert "vbscript" not in fields["content"] and "javascript" not in fields["content"]


def test_a_script_url_is_on_no_host() -> None:
    assert host_of("javascript://a.example/%0aalert(1)") == ""
    assert host_of("https://A.example/x") == "a.example"


def test_catalogue_sync_skips_objects_whose_id_is_not_http() -> None:
    items = [
        {
            "type": "Create",
            "actor": ACTOR,
            "object": note(id=f"javascript://a.example/%0a{n}", to=["as:Public"]),
        }
        for n in range(2)
    ] + [{"type": "Create", "actor": ACTOR, "object": note(to=["as:Public"])}]
    picked = pick_objects(items, ACTOR, "")
    assert [o["id"] for o in picked.objects] == ["https://a.example/notes/1"]
    assert picked.skipped == {"object id not an http(s) URL": 2}
