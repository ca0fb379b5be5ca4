"""Quizzes and challenges from the CLI: create, vote, results, delete (domain/quiz.py holds the
rules, federation/outbox/quiz.py the publishing)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.config import Settings
from compagnon.domain.quiz import QuestionSpec, QuizError, checked, end_time
from compagnon.domain.safe_urls import http_url, same_origin
from compagnon.federation import fetch
from compagnon.federation.as_types import has_type
from compagnon.federation.context import FederationContext
from compagnon.federation.ingest import Incoming, store_remote_objects
from compagnon.federation.jsonld import first_id
from compagnon.federation.outbox import publish
from compagnon.federation.outbox import quiz as quiz_outbox
from compagnon.federation.resolver import Resolver
from compagnon.federation.urls import Urls
from compagnon.i18n import _
from compagnon.operations import OperationError, _local_actor, database, federation
from compagnon.storage.models import Actor, Object, utcnow
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries import polls as poll_queries


def question_spec(
    *,
    question: str,
    options: list[str],
    multiple: bool,
    ends_in: str | None,
    ends_at: str | None,
    language: str,
    hide_totals: bool,
    now: datetime,
) -> QuestionSpec:
    """The question described, checked; every mistake named (OperationError)."""
    try:
        return checked(
            QuestionSpec(
                text=question,
                options=tuple(options),
                multiple=multiple,
                ends_at=end_time(now, ends_in=ends_in, ends_at=ends_at),
                language=language,
                hide_totals=hide_totals,
            )
        )
    except QuizError as exc:
        raise OperationError(str(exc)) from None


async def create(
    settings: Settings,
    username: str,
    *,
    question: str,
    options: list[str],
    multiple: bool = False,
    ends_in: str | None = None,
    ends_at: str | None = None,
    language: str | None = None,
    visibility: str = "public",
    hide_totals: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Publish a question of `username`; every mistake named (OperationError). `hide_totals`:
    the counts wait for its end (the apps' poll[hide_totals])."""
    now = now or utcnow()
    spec = question_spec(
        question=question,
        options=options,
        multiple=multiple,
        ends_in=ends_in,
        ends_at=ends_at,
        language=language or settings.language_list[0],
        hide_totals=hide_totals,
        now=now,
    )
    async with database(settings) as sessions, sessions.begin() as session:
        obj = await create_in(
            session, Urls(settings.base_url), username, spec, visibility=visibility, now=now
        )
        return {"uri": obj.uri, "ends_at": spec.ends_at}


async def create_in(
    session: AsyncSession,
    urls: Urls,
    username: str,
    spec: QuestionSpec,
    *,
    visibility: str,
    now: datetime,
) -> Object:
    """`create` in the caller's transaction (the web form's), `spec` from `question_spec`."""
    if visibility not in publish.VISIBILITIES:
        raise OperationError(_("Choose who can see the question."))
    author = await _local_actor(session, username)
    return await quiz_outbox.publish_question(
        session, urls, author, spec, now=now, visibility=visibility
    )


async def _held_question(session: AsyncSession, uri: str) -> Object | None:
    obj = await object_queries.by_uri(session, uri)
    if obj is None or obj.type != "Question":
        return None
    return obj


async def _fetched_question(ctx: FederationContext, uri: str) -> None:
    """A remote question not held yet: fetched (signed), checked to be its author's, stored."""
    try:
        doc = await ctx.fetch_signed(uri)
    except (fetch.FetchError, ValueError) as exc:
        raise OperationError(_("{uri} cannot be read: {why}", uri=uri, why=str(exc))) from None
    author_uri = first_id(doc.get("attributedTo")) or ""
    if not has_type(doc, "Question") or not same_origin(author_uri, uri):
        raise OperationError(_("There is no question at {uri}.", uri=uri))
    author = await Resolver(ctx).find(author_uri)
    async with ctx.sessions.begin() as session:
        await store_remote_objects(session, [Incoming(author, doc)])


async def vote(
    settings: Settings,
    username: str,
    question_uri: str,
    chosen: list[str],
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """`username` votes on a question here or elsewhere (fetched first when not held); a vote
    on a remote question goes to its author."""
    now = now or utcnow()
    uri = question_uri.strip()
    if http_url(uri) is None:
        raise OperationError(_("A question is named by its http(s) URL."))
    async with federation(settings) as ctx:
        async with ctx.sessions() as session:
            held = await _held_question(session, uri)
        if held is None and not ctx.urls.is_ours(uri):
            await _fetched_question(ctx, uri)
        async with ctx.sessions.begin() as session:
            voter = await _local_actor(session, username)
            question = await _held_question(session, uri)
            if question is None or question.deleted_at is not None:
                raise OperationError(_("There is no question at {uri}.", uri=uri))
            author = await session.get(Actor, question.actor_id)
            assert author is not None
            try:
                await quiz_outbox.vote(
                    session,
                    ctx.urls,
                    voter,
                    question,
                    author,
                    [c.strip() for c in chosen],
                    now=now,
                    update_interval=timedelta(seconds=settings.poll_update_interval),
                )
            except QuizError as exc:
                raise OperationError(str(exc)) from None
            return {
                "question": uri,
                "chosen": chosen,
                "sent_to": None if author.is_local else author.uri,
            }


async def results(
    settings: Settings,
    question_uri: str,
    *,
    username: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A held question: its options with their counts, voters, end, whether it is closed, and
    what `username` chose (if given)."""
    now = now or utcnow()
    async with database(settings) as sessions, sessions() as session:
        question = await _held_question(session, question_uri.strip())
        if question is None or question.deleted_at is not None:
            raise OperationError(_("There is no question at {uri}.", uri=question_uri))
        try:
            poll = quiz_outbox.poll_state(question, now)
        except QuizError:
            raise OperationError(_("There is no question at {uri}.", uri=question_uri)) from None
        mine: list[str] = []
        if username:
            voter = await _local_actor(session, username)
            mine = await poll_queries.choices_of(session, question.id, voter.id)
        options, hidden = poll["options"], poll["counts_hidden"]
        if hidden and question.is_local:
            # Hidden from the world until it ends; counted here from the votes (the admin's
            # shell, or the author's: the apps show her the same).
            counts = (await poll_queries.counts(session, question.id))[0]
            options = [{**o, "votes": counts.get(o["name"], 0)} for o in options]
        return {
            "question": question.uri,
            "text": (question.raw or {}).get("content") or "",
            "multiple": poll["multiple"],
            "options": options,
            "hidden": hidden,  # the counts are not public until it ends
            "counts_known": not hidden or question.is_local,
            "voters": poll["voters"],
            "ends_at": poll["end_time"],
            "closed": poll["is_closed"],
            "mine": mine,
        }


async def delete(settings: Settings, username: str, question_uri: str) -> str:
    """Delete a question of `username`: a Delete to every host that got it."""
    async with database(settings) as sessions, sessions.begin() as session:
        author = await _local_actor(session, username)
        question = await _held_question(session, question_uri.strip())
        if question is None or question.deleted_at is not None:
            raise OperationError(_("There is no question at {uri}.", uri=question_uri))
        if question.actor_id != author.id or not question.is_local:
            raise OperationError(
                _("{uri} is not a question of {name}.", uri=question_uri, name=username)
            )
        await publish.delete_note(session, Urls(settings.base_url), author, question)
        return question.uri
