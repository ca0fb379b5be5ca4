"""Mastodon's Poll entity from a Question (ours or a peer's): options and counts read from the
Question's document (federation/convert.py: `poll_of`; ours are recounted there on each
vote), what the viewer chose from `poll_votes`. The poll's id is its status's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.quiz import is_closed
from compagnon.federation.convert import iso, poll_of
from compagnon.federation.sanitize import sanitize_html
from compagnon.storage.models import Object, PollVote
from compagnon.storage.queries import polls as poll_queries


async def choices_of(
    session: AsyncSession, question_ids: list[int], viewer_id: int | None
) -> dict[int, list[str]]:
    """What the viewer chose on each of these questions (one SELECT for a page)."""
    if viewer_id is None or not question_ids:
        return {}
    rows = await session.execute(
        select(PollVote.question_id, PollVote.option)
        .where(PollVote.question_id.in_(question_ids), PollVote.voter_id == viewer_id)
        .order_by(PollVote.id)
    )
    found: dict[int, list[str]] = {}
    for question_id, option in rows:
        found.setdefault(question_id, []).append(option)
    return found


async def owner_counts(
    session: AsyncSession, objects: list[Object], viewer_id: int | None
) -> dict[int, dict[str, int]]:
    """The counts of the viewer's own Questions whose counts are hidden until they end: the
    document leaves them out (quiz_convert.with_counts), she sees them from the votes."""
    found: dict[int, dict[str, int]] = {}
    for obj in objects:
        if obj.type != "Question" or viewer_id is None or obj.actor_id != viewer_id:
            continue
        poll = poll_of(obj.raw or {})
        if poll is not None and poll["counts_hidden"]:
            found[obj.id] = (await poll_queries.counts(session, obj.id))[0]
    return found


def poll(
    obj: Object,
    chosen: list[str] | None,
    *,
    is_owner: bool,
    now: datetime,
    counts: dict[str, int] | None = None,
) -> dict[str, Any] | None:
    """The Poll of a Question; None for anything else. The owner counts as having voted
    (Mastodon's rule: an app then shows the results, not the buttons). A poll whose author
    hid its totals has each option's `votes_count` null until it ends, as Mastodon's, for
    everyone but her (`counts`, from `owner_counts`); the number of voters stays, as there."""
    if obj.type != "Question":
        return None
    found = poll_of(obj.raw or {})
    if found is None:
        return None
    names = [o["name"] for o in found["options"]]
    mine = chosen or []
    expired = is_closed(found["end_time"], found["closed"], now)
    if counts is not None:
        found["options"] = [{**o, "votes": counts.get(o["name"], 0)} for o in found["options"]]
    unknown = found["counts_hidden"] and counts is None  # the document holds no counts
    hidden = unknown or (counts is None and found["hide_totals"] and not expired and not is_owner)
    # Per option unknown until it ends: its voters.
    votes = (found["voters"] or 0) if unknown else sum(o["votes"] for o in found["options"])
    return {
        "id": str(obj.id),
        "expires_at": iso(found["end_time"]) if found["end_time"] else None,
        "expired": expired,
        "multiple": found["multiple"],
        "votes_count": votes,
        "voters_count": found["voters"] if found["voters"] is not None else votes,
        "options": [
            {"title": o["name"], "votes_count": None if hidden else o["votes"]}
            for o in found["options"]
        ],
        "emojis": [],
        "voted": is_owner or bool(mine),
        "own_votes": [names.index(c) for c in mine if c in names],
    }


def question_text(obj: Object) -> str:
    """A Question's own text (its stored `content` lists the options and their counts for
    the pages; an app draws them from the poll)."""
    text = (obj.raw or {}).get("content")
    return sanitize_html(text) if isinstance(text, str) and text else obj.content
