"""Our Question on the wire has the shape of the design's reference question and of the polls
Mastodon sends (tests/interop/payloads), and reads back through the converter every inbox
uses; a vote is the Create of a Note Mastodon sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from compagnon.federation.convert import is_poll_vote, poll_of
from compagnon.federation.quiz_convert import question_document, vote_activity, with_counts
from compagnon.storage.models import Actor, Object

FIXTURES = Path(__file__).parents[1] / "fixtures" / "reference"
PAYLOADS = Path(__file__).parents[1] / "interop" / "payloads"
BASE = "https://cfp.example"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _ours(multiple: bool = False) -> dict[str, object]:
    author = Actor(uri=f"{BASE}/users/ana", username="ana", domain="cfp.example")
    obj = Object(
        uri=f"{BASE}/objects/1",
        published=datetime(2025, 3, 20, 9, tzinfo=UTC),
        language="pt",
        recipients={"to": [PUBLIC], "cc": [f"{BASE}/users/ana/followers"]},
    )
    return question_document(
        obj,
        author,
        text_html="<p>Qual licença?</p>",
        options=["CC BY-NC-ND 4.0", "CC BY-SA 4.0", "All rights reserved"],
        multiple=multiple,
        end_time=datetime(2025, 3, 27, 9, tzinfo=UTC),
    )


def test_our_question_has_the_reference_shape_and_reads_back() -> None:
    reference = json.loads((FIXTURES / "question.example.json").read_text())
    ours = _ours()
    wanted = set(reference) - {"@context", "context"}  # `context`: a journey names it
    assert wanted <= set(ours)
    assert ours["oneOf"] == reference["oneOf"]  # same options, each a Note at 0 votes
    mastodon = json.loads((PAYLOADS / "mastodon" / "create_question.json").read_text())["object"]
    option_keys = {k for o in mastodon["oneOf"] for k in o}
    assert all(set(o) == option_keys for o in ours["oneOf"])  # type, name, replies

    counted = with_counts(ours, {"CC BY-SA 4.0": 3}, 3, datetime(2025, 3, 27, 9, tzinfo=UTC))
    poll = poll_of(counted)
    assert poll is not None and poll["voters"] == 3 and poll["closed"] is not None
    assert [o["votes"] for o in poll["options"]] == [0, 3, 0]
    assert poll_of(_ours(multiple=True))["multiple"] is True  # type: ignore[index]


def test_our_vote_is_what_mastodon_sends() -> None:
    voter = Actor(uri=f"{BASE}/users/bruno")
    create = vote_activity(
        f"{BASE}/activities/9", f"{BASE}/objects/9", voter, "https://m.example/q/1",
        "https://m.example/users/alice", "CC BY-SA 4.0",
    )  # fmt: skip
    note = create["object"]
    assert is_poll_vote(note) and note["name"] == "CC BY-SA 4.0"
    assert create["to"] == note["to"] == ["https://m.example/users/alice"]
    captured = json.loads((PAYLOADS / "gotosocial" / "create_poll_vote.json").read_text())
    assert set(note) - {"id", "attributedTo"} <= set(captured["object"])
