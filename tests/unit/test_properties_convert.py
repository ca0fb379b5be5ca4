"""Properties of the converters from remote documents: any JSON-shaped document gives a
result of the right shape or a clear rejection (ValueError), never another exception; and the
HTML that reaches storage is cleaned."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from compagnon.federation.actor_convert import ACTOR_TYPES, actor_fields_from_document
from compagnon.federation.as_types import is_post_like
from compagnon.federation.convert import (
    attachments_of,
    is_poll_vote,
    language_of,
    object_fields_from_note,
    poll_of,
    tags_of,
    visibility_of,
)
from compagnon.federation.sanitize import sanitize_html
from tests.support.ap_strategies import actors, json_values, objects

LINK = re.compile(r"""(?:href|src)\s*=\s*["']?([^"'\s>]*)""")
SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=")
any_document = st.one_of(objects, actors, st.dictionaries(st.text(max_size=12), json_values))


@given(st.one_of(actors, any_document))
def test_any_document_is_an_actor_or_a_clear_rejection(doc: dict[str, Any]) -> None:
    try:
        fields = actor_fields_from_document(doc)
    except ValueError as exc:
        assert "not an actor" in str(exc)
        return
    assert fields["type"] in ACTOR_TYPES
    assert isinstance(fields["uri"], str) and isinstance(fields["inbox"], str)
    for name in ("username", "domain", "name", "summary", "outbox", "followers_url", "url"):
        assert isinstance(fields[name], str), name
    assert fields["icon_url"] is None or isinstance(fields["icon_url"], str)
    assert isinstance(fields["public_key_pem"], str) and isinstance(fields["public_key_id"], str)


@given(st.one_of(objects, any_document), st.text(max_size=30))
def test_any_document_is_an_object_or_a_clear_rejection(
    doc: dict[str, Any], followers: str
) -> None:
    try:
        fields = object_fields_from_note(doc, followers)
    except ValueError as exc:
        assert "id" in str(exc)
        return
    assert isinstance(fields["content"], str) and isinstance(fields["summary"], str)
    assert isinstance(fields["name"], str)
    assert isinstance(fields["type"], str) and 0 < len(fields["type"]) <= 64
    assert fields["visibility"] in ("public", "unlisted", "followers", "direct")
    assert fields["language"] is None or len(fields["language"]) <= 35
    recipients = fields["recipients"]
    assert all(isinstance(x, str) for x in recipients["to"] + recipients["cc"])
    assert all(set(tag) == {"type", "href", "name"} for tag in recipients["tag"])
    cleaned = sanitize_html(fields["content"]).lower()
    assert "<script" not in cleaned and not EVENT_HANDLER.search(cleaned)
    for link in LINK.findall(cleaned):  # text may say "javascript:"; a link may not go there
        scheme = SCHEME.match(link.strip())
        assert scheme is None or scheme.group(1) in ("http", "https", "mailto"), link


@given(st.one_of(objects, any_document))
def test_the_readers_of_parts_of_an_object_take_anything(doc: dict[str, Any]) -> None:
    assert all(isinstance(t["name"], str) for t in tags_of(doc))
    assert all(isinstance(a["url"], str) for a in attachments_of(doc))
    poll = poll_of(doc)
    assert poll is None or all(isinstance(o["votes"], int) for o in poll["options"])
    assert isinstance(is_poll_vote(doc), bool) and isinstance(is_post_like(doc), bool)
    assert language_of(doc) is None or isinstance(language_of(doc), str)
    assert visibility_of(doc, "https://peer.example/followers") in (
        "public",
        "unlisted",
        "followers",
        "direct",
    )
