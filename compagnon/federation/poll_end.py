"""A question ended: its author (when ours) and the trainers here who voted in it hear of it,
as Mastodon's `poll` notification. Called when our question's closing Update goes out
(outbox/quiz.py) and when a peer's question arrives closed in an Update (inbox/handlers.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.convert import poll_of
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import polls as poll_queries
from compagnon.storage.queries.notifications import notify


async def notify_ended(session: AsyncSession, question: Object, author: Actor) -> None:
    """One notification each to the author (if ours) and every local voter, once."""
    recipients = await poll_queries.local_voters(session, question.id)
    if author.is_local and author.id not in recipients:
        recipients.insert(0, author.id)
    for recipient in recipients:
        await notify(session, recipient, "poll", author, question.uri)


def newly_closed(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    """A peer's Question held open is now closed (its `closed` time is given)."""
    old, new = poll_of(before or {}), poll_of(after)
    return (
        old is not None and new is not None and old["closed"] is None and new["closed"] is not None
    )
