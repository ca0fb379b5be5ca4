"""Votes and our Questions' Update schedule (models Poll, PollVote)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, Poll, PollVote


async def choices_of(session: AsyncSession, question_id: int, voter_id: int) -> list[str]:
    """What this voter chose on this question, in the order they chose it."""
    rows = await session.scalars(
        select(PollVote.option)
        .where(PollVote.question_id == question_id, PollVote.voter_id == voter_id)
        .order_by(PollVote.id)
    )
    return list(rows)


async def add_votes(
    session: AsyncSession,
    question_id: int,
    voter_id: int,
    options: Sequence[str],
    activity_uris: Sequence[str | None],
) -> None:
    for option, uri in zip(options, activity_uris, strict=True):
        session.add(
            PollVote(question_id=question_id, voter_id=voter_id, option=option, activity_uri=uri)
        )
    await session.flush()


async def counts(session: AsyncSession, question_id: int) -> tuple[dict[str, int], int]:
    """Votes per option, and how many actors voted."""
    rows = await session.execute(
        select(PollVote.option, func.count())
        .where(PollVote.question_id == question_id)
        .group_by(PollVote.option)
    )
    voters = await session.scalar(
        select(func.count(func.distinct(PollVote.voter_id))).where(
            PollVote.question_id == question_id
        )
    )
    return {option: int(n) for option, n in rows}, int(voters or 0)


async def remote_voters(session: AsyncSession, question_id: int) -> list[Actor]:
    """The remote actors who voted: they get the Updates even when they do not follow."""
    rows = await session.scalars(
        select(Actor)
        .where(
            Actor.id.in_(select(PollVote.voter_id).where(PollVote.question_id == question_id)),
            Actor.is_local.is_(False),
        )
        .order_by(Actor.id)
    )
    return list(rows)


def is_due(now: datetime | BindParameter[Any]) -> ColumnElement[bool]:
    """Polls whose Update (new counts, or the closing) is due at `now` (also work.py's)."""
    return and_(Poll.update_due_at.is_not(None), Poll.update_due_at <= now)


async def due(session: AsyncSession, now: datetime, limit: int) -> list[Poll]:
    """Our Questions whose counts (or closing) are due to go out."""
    rows = await session.scalars(
        select(Poll)
        .where(is_due(now))
        .order_by(Poll.update_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def local_voters(session: AsyncSession, question_id: int) -> list[int]:
    """The ids of our actors who voted on this question (they hear when it ends)."""
    rows = await session.scalars(
        select(Actor.id)
        .where(
            Actor.id.in_(select(PollVote.voter_id).where(PollVote.question_id == question_id)),
            Actor.is_local.is_(True),
        )
        .order_by(Actor.id)
    )
    return list(rows)
