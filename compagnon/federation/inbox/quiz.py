"""A vote a peer sends for one of our Questions (a Create of a Note with the option's `name`,
in reply to the Question): counted once per voter and option, one option only on a oneOf,
none after the end; the counts then go out as an Update (outbox/quiz.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.config import Settings
from compagnon.domain.quiz import QuizError, vote_problem
from compagnon.federation.jsonld import first_id
from compagnon.federation.outbox import quiz as quiz_outbox
from compagnon.storage.models import Actor
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries import polls as poll_queries


async def record_vote(
    session: AsyncSession,
    sender: Actor,
    activity: dict[str, Any],
    doc: dict[str, Any],
    *,
    now: datetime,
    settings: Settings,
) -> str | None:
    """Count the vote; returns why it was not counted, or None."""
    target = first_id(doc.get("inReplyTo")) or ""
    question = await object_queries.by_uri(session, target)
    if question is None or not question.is_local or question.type != "Question":
        return "a vote on a question that is not ours"
    if question.deleted_at is not None:
        return "a vote on a deleted question"
    author = await session.get(Actor, question.actor_id)
    if author is None:
        return "a vote on a question without its author"
    try:
        poll = quiz_outbox.poll_state(question, now)
    except QuizError:
        return "a vote on a question without options"
    option = str(doc.get("name"))
    already = await poll_queries.choices_of(session, question.id, sender.id)
    problem = vote_problem(
        options=[o["name"] for o in poll["options"]],
        multiple=poll["multiple"],
        chosen=[option],
        already=already,
        closed=poll["is_closed"],
    )
    if problem:
        return f"vote refused: {problem.rstrip('.')}"
    await poll_queries.add_votes(session, question.id, sender.id, [option], [activity["id"]])
    interval = timedelta(seconds=settings.poll_update_interval)
    await quiz_outbox.recount(session, author, question, now=now, update_interval=interval)
    return None
