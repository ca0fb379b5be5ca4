"""Questions (quizzes, polls): published like a post, voted the way Mastodon votes, and their
counts sent again as an Update to followers and voters, at most once per
`poll_update_interval` (the votes in between go out together) and once more when the
question closes. Everything here writes rows in the caller's transaction; the worker sends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.quiz import QuestionSpec, QuizError, is_closed, vote_problem
from compagnon.federation import hashtags
from compagnon.federation.convert import addressing, poll_of, wrap
from compagnon.federation.outbox.publish import (
    mention_tags,
    new_local_object,
    reach_local_readers,
    refresh_create,
    send,
)
from compagnon.federation.outbox.recipients import inbox_for
from compagnon.federation.poll_end import notify_ended
from compagnon.federation.quiz_convert import (
    question_document,
    readable,
    vote_activity,
    with_counts,
)
from compagnon.federation.sanitize import text_to_html
from compagnon.federation.search_index import index_stored
from compagnon.federation.urls import Urls
from compagnon.storage.models import Actor, Object, Poll
from compagnon.storage.queries import deliveries
from compagnon.storage.queries import polls as poll_queries


async def publish_question(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    spec: QuestionSpec,
    *,
    now: datetime,
    visibility: str = "public",
    mentions: list[Actor] | None = None,
    summary: str = "",
    in_reply_to: str | None = None,
) -> Object:
    """`spec` is checked (domain/quiz.py: `checked`) and has its end time. `mentions`,
    `summary` (a content warning) and `in_reply_to` as for a post (a poll from an app)."""
    mentions = mentions or []
    recipients: dict[str, Any] = addressing(
        visibility, author.followers_url, [m.uri for m in mentions]
    )
    text_html = text_to_html(spec.text, tags_base=urls.base)
    tags = mention_tags(mentions) + hashtags.tags_in(text_html, urls.base)
    obj = await new_local_object(
        session,
        urls,
        author,
        "Question",
        visibility,
        {**recipients, "tag": tags},
        language=spec.language,
        published=now,
        in_reply_to=in_reply_to,
        summary=summary,
    )
    doc = question_document(
        obj,
        author,
        text_html=text_html,
        options=list(spec.options),
        multiple=spec.multiple,
        end_time=spec.ends_at,
        hide_totals=spec.hide_totals,
    )
    doc["tag"] = tags
    if summary:
        doc["summary"] = summary
    if in_reply_to:
        doc["inReplyTo"] = in_reply_to
    obj.raw = doc
    obj.content = readable(doc)
    # Due at its end: the closing Update with the final counts.
    session.add(
        Poll(
            object_id=obj.id,
            multiple=spec.multiple,
            end_time=spec.ends_at,
            update_due_at=spec.ends_at,
            closed_sent=False,
        )
    )
    await index_stored(session, [obj])
    create = wrap("Create", urls.new_activity(), author.uri, doc, recipients)
    await send(
        session, author, create, addressed=recipients["to"] + recipients["cc"], object_uri=obj.uri
    )
    await reach_local_readers(session, obj, author, [m.id for m in mentions if m.is_local])
    return obj


def poll_state(question: Object, now: datetime) -> dict[str, Any]:
    """Options, counts and whether it is closed, read from the Question's document."""
    poll = poll_of(question.raw or {})
    if poll is None:
        raise QuizError("not a question with options")
    poll["is_closed"] = is_closed(poll["end_time"], poll["closed"], now)
    return poll


async def vote(
    session: AsyncSession,
    urls: Urls,
    voter: Actor,
    question: Object,
    author: Actor,
    chosen: list[str],
    *,
    now: datetime,
    update_interval: timedelta,
) -> None:
    """`voter` (one of ours) chooses `chosen` on `question`: counted here at once when the
    question is ours, else sent to its author (one Create per option, to the author only);
    kept here as well, so a second vote is refused before it leaves. Raises QuizError."""
    poll = poll_state(question, now)
    already = await poll_queries.choices_of(session, question.id, voter.id)
    problem = vote_problem(
        options=[o["name"] for o in poll["options"]],
        multiple=poll["multiple"],
        chosen=chosen,
        already=already,
        closed=poll["is_closed"],
    )
    if problem:
        raise QuizError(problem)
    if question.is_local:
        await poll_queries.add_votes(session, question.id, voter.id, chosen, [None] * len(chosen))
        await recount(session, author, question, now=now, update_interval=update_interval)
        return
    sent: list[str | None] = []
    for option in chosen:
        doc = vote_activity(
            urls.new_activity(), urls.new_object(), voter, question.uri, author.uri, option
        )
        await send(session, voter, doc, extra_inboxes=[inbox_for(author)])
        sent.append(doc["id"])
    await poll_queries.add_votes(session, question.id, voter.id, chosen, sent)


async def send_vote_unchecked(
    session: AsyncSession, urls: Urls, voter: Actor, question_uri: str, author: Actor, option: str
) -> None:
    """A vote sent as is, without the checks `vote` makes first (what a careless or hostile
    peer could send; tests use it to show the author's node refuses it)."""
    doc = vote_activity(
        urls.new_activity(), urls.new_object(), voter, question_uri, author.uri, option
    )
    await send(session, voter, doc, extra_inboxes=[inbox_for(author)])


async def recount(
    session: AsyncSession,
    author: Actor,
    question: Object,
    *,
    now: datetime,
    update_interval: timedelta,
) -> None:
    """Our Question's counts from its votes, into its document; its Update scheduled at the
    earliest moment the rate allows."""
    counts, voters = await poll_queries.counts(session, question.id)
    doc = with_counts(question.raw or {}, counts, voters, None)
    question.raw = doc
    question.content = readable(doc)
    await refresh_create(session, author, question.uri, doc)
    poll = await session.get(Poll, question.id)
    if poll is None:
        return
    earliest = poll.last_update_at + update_interval if poll.last_update_at else now
    due = max(now, earliest)
    if poll.update_due_at is None or due < poll.update_due_at:
        poll.update_due_at = due


async def send_due_updates(
    session: AsyncSession, urls: Urls, now: datetime, *, limit: int = 20
) -> int:
    """Send the Updates that are due (new counts, or the closing one); returns how many."""
    sent = 0
    for poll in await poll_queries.due(session, now, limit):
        question = await session.get(Object, poll.object_id)
        author = await session.get(Actor, question.actor_id) if question is not None else None
        if question is None or author is None or question.deleted_at is not None:
            poll.update_due_at = None
            continue
        closing = poll.end_time is not None and now >= poll.end_time
        counts, voters = await poll_queries.counts(session, question.id)
        doc = with_counts(question.raw or {}, counts, voters, poll.end_time if closing else None)
        question.raw = doc
        question.content = readable(doc)
        question.updated = now
        await refresh_create(session, author, question.uri, doc)
        recipients = {
            "to": question.recipients.get("to", []),
            "cc": question.recipients.get("cc", []),
        }
        update = wrap("Update", urls.new_activity(), author.uri, doc, recipients)
        voters_inboxes = [
            inbox_for(a) for a in await poll_queries.remote_voters(session, question.id)
        ]
        received = await deliveries.inboxes_that_received(session, question.uri)
        await send(
            session,
            author,
            update,
            addressed=recipients["to"] + recipients["cc"],
            extra_inboxes=sorted({*received, *voters_inboxes}),
            object_uri=question.uri,
        )
        poll.last_update_at = now
        if closing and not poll.closed_sent:
            await notify_ended(session, question, author)
        poll.closed_sent = poll.closed_sent or closing
        later_end = poll.end_time if poll.end_time and poll.end_time > now else None
        poll.update_due_at = None if poll.closed_sent else later_end
        sent += 1
    return sent
