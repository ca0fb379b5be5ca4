"""Questions (quizzes, polls) on the wire, as Mastodon sends and reads them: a `Question`
whose options are `Note`s with a `name` and their votes in `replies.totalItems`, under
`oneOf` (one choice) or `anyOf` (several), with `endTime`, `closed` once it ended, and
`votersCount`. A Question whose author hides the counts until it ends (`hideTotals`) goes out
with its options' `totalItems` left out, as Mastodon sends one, until its closing Update: the
counts live in `poll_votes` meanwhile, and the document anyone can fetch does not carry them.
A vote is a `Create` of a `Note` whose `name` is the option and whose
`inReplyTo` is the Question, addressed to the Question's author only.

Reading a remote Question goes through convert.py (`poll_of`, `readable_content`), which the
inbox already uses for every post.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compagnon.federation.convert import iso, options_html, poll_of
from compagnon.federation.jsonld import OUR_CONTEXT
from compagnon.storage.models import Actor, Object

HIDE_TOTALS = "hideTotals"


def options_key(multiple: bool) -> str:
    return "anyOf" if multiple else "oneOf"


def question_document(
    obj: Object,
    author: Actor,
    *,
    text_html: str,
    options: list[str],
    multiple: bool,
    end_time: datetime | None,
    hide_totals: bool = False,
) -> dict[str, Any]:
    """Our Question as first published: every option at zero votes."""
    doc: dict[str, Any] = {
        "id": obj.uri,
        "type": "Question",
        "attributedTo": author.uri,
        "content": text_html,
        "published": iso(obj.published),
        "url": obj.uri,
        "to": obj.recipients.get("to", []),
        "cc": obj.recipients.get("cc", []),
        "sensitive": False,
        "tag": [],
        options_key(multiple): [_option(name, None if hide_totals else 0) for name in options],
        "votersCount": 0,
    }
    if obj.language:
        doc["contentMap"] = {obj.language: text_html}
    if end_time is not None:
        doc["endTime"] = iso(end_time)
    if hide_totals:
        # The author asked that the counts wait for the end (Mastodon's `hide_totals`). Kept
        # in the document, a plain key outside the @context as Misskey's `_misskey_*` are:
        # JSON-LD readers and Mastodon pass over it, a Compagnon peer's Poll entity honours it.
        doc[HIDE_TOTALS] = True
    return doc


def _option(name: str, votes: int | None) -> dict[str, Any]:
    """One option; `votes` None while its author hides the counts (no `totalItems` at all:
    Mastodon reads a missing count as 0 and shows none while the poll is open)."""
    replies: dict[str, Any] = {"type": "Collection"}
    if votes is not None:
        replies["totalItems"] = votes
    return {"type": "Note", "name": name, "replies": replies}


def with_counts(
    doc: dict[str, Any], counts: dict[str, int], voters: int, closed: datetime | None
) -> dict[str, Any]:
    """The same Question with its counts now (and `closed` once it ended); while it hides its
    counts and is not closed, only the number of voters."""
    poll = poll_of(doc)
    if poll is None:
        return doc
    key = options_key(poll["multiple"])
    hidden = doc.get(HIDE_TOTALS) is True and closed is None
    fresh = {
        **doc,
        key: [
            _option(o["name"], None if hidden else counts.get(o["name"], 0))
            for o in poll["options"]
        ],
    }
    fresh["votersCount"] = voters
    if closed is not None:
        fresh["closed"] = iso(closed)
    return fresh


def readable(doc: dict[str, Any]) -> str:
    """The HTML our pages show for one of our Questions: the text and the options with their
    counts, unless hidden (a remote one gets the same from convert.readable_content)."""
    poll = poll_of(doc)
    return f"{doc.get('content') or ''}{options_html(poll) if poll else ''}"


def vote_activity(
    activity_uri: str, vote_uri: str, voter: Actor, question_uri: str, author_uri: str, option: str
) -> dict[str, Any]:
    """One vote for one option (Mastodon sends one such Create per option of an anyOf)."""
    note = {
        "id": vote_uri,
        "type": "Note",
        "name": option,
        "attributedTo": voter.uri,
        "to": [author_uri],
        "inReplyTo": question_uri,
    }
    return {
        "@context": OUR_CONTEXT,
        "id": activity_uri,
        "type": "Create",
        "actor": voter.uri,
        "to": [author_uri],
        "object": note,
    }
