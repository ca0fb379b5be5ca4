"""Questions (quizzes, polls) on the wire, as Mastodon sends and reads them: a `Question`
whose options are `Note`s with a `name` and their votes in `replies.totalItems`, under
`oneOf` (one choice) or `anyOf` (several), with `endTime`, `closed` once it ended, and
`votersCount`. A vote is a `Create` of a `Note` whose `name` is the option and whose
`inReplyTo` is the Question, addressed to the Question's author only.

Reading a remote Question goes through convert.py (`poll_of`, `readable_content`), which the
inbox already uses for every post.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from compagnon.federation.convert import iso, poll_of
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
        options_key(multiple): [_option(name, 0) for name in options],
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


def _option(name: str, votes: int) -> dict[str, Any]:
    return {"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": votes}}


def with_counts(
    doc: dict[str, Any], counts: dict[str, int], voters: int, closed: datetime | None
) -> dict[str, Any]:
    """The same Question with its counts now (and `closed` once it ended)."""
    poll = poll_of(doc)
    if poll is None:
        return doc
    key = options_key(poll["multiple"])
    fresh = {**doc, key: [_option(o["name"], counts.get(o["name"], 0)) for o in poll["options"]]}
    fresh["votersCount"] = voters
    if closed is not None:
        fresh["closed"] = iso(closed)
    return fresh


def readable(doc: dict[str, Any]) -> str:
    """The HTML our pages show for one of our Questions: the text and the options with their
    counts (a remote one gets the same from convert.readable_content)."""
    poll = poll_of(doc) or {"options": []}
    items = "".join(f"<li>{html.escape(o['name'])} ({o['votes']})</li>" for o in poll["options"])
    return f"{doc.get('content') or ''}<ul>{items}</ul>"


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
