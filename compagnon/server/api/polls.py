"""Polls from apps: a status with `poll[options][]`, `poll[expires_in]`, `poll[multiple]`
and `poll[hide_totals]` (the counts shown to its author alone until it ends: poll_entity.py)
is one of the node's Questions (domain/quiz.py's rules,
federation/outbox/quiz.py's publishing); `GET /api/v1/polls/{id}` and
`POST /api/v1/polls/{id}/votes` (`choices[]`, indices) vote as the question's page does:
counted here on ours, sent to the author (a Note whose `name` is the option, in reply to the
Question) on a peer's."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web
from multidict import MultiDict
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.quiz import QuestionSpec, QuizError, checked, end_time
from compagnon.federation.outbox import quiz as quiz_outbox
from compagnon.federation.urls import Urls
from compagnon.i18n import _
from compagnon.server.api import poll_entity
from compagnon.server.api.base import (
    ApiError,
    api_view,
    caller,
    json_answer,
    maybe_caller,
    me,
    params,
    truthy,
)
from compagnon.server.api.render import readable_status
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS, WORKER
from compagnon.storage.models import Actor, Object, User, utcnow

OPTIONS = "poll[options][]"


def wanted(given: MultiDict[str]) -> bool:
    """Whether the status asks for a poll."""
    return any(key.startswith("poll[") for key in given)


def spec_from(given: MultiDict[str], text: str, language: str, now: datetime) -> QuestionSpec:
    """The question a status's poll fields describe, checked: 422 naming every mistake."""
    seconds_text = given.get("poll[expires_in]", "").strip()
    if not (seconds_text.isascii() and seconds_text.isdigit() and len(seconds_text) < 12):
        raise ApiError(422, _("Validation failed: the poll needs expires_in, in seconds"))
    try:
        ends = end_time(now, ends_in=f"PT{int(seconds_text)}S")
        return checked(
            QuestionSpec(
                text=text,
                options=tuple(given.getall(OPTIONS, [])),
                multiple=truthy(given.get("poll[multiple]")),
                ends_at=ends,
                language=language,
                hide_totals=truthy(given.get("poll[hide_totals]")),
            )
        )
    except QuizError as exc:
        raise ApiError(422, _("Validation failed: {why}", why=str(exc))) from None


async def publish(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    spec: QuestionSpec,
    *,
    visibility: str,
    mentions: list[Actor],
    summary: str,
    in_reply_to: str | None,
    now: datetime,
) -> Object:
    """The status with its poll: a Question, published as the CLI's `compagnon quiz` does."""
    return await quiz_outbox.publish_question(
        session,
        urls,
        author,
        spec,
        now=now,
        visibility=visibility,
        mentions=mentions,
        summary=summary,
        in_reply_to=in_reply_to,
    )


async def _question(session: AsyncSession, poll_id: str, user: User | None) -> tuple[Object, Actor]:
    obj, author = await readable_status(session, poll_id, user)
    if obj.type != "Question" or poll_entity.poll(obj, None, is_owner=False, now=utcnow()) is None:
        raise ApiError(404, _("Record not found"))
    return obj, author


async def _answer(
    session: AsyncSession, obj: Object, author: Actor, viewer: Actor | None
) -> web.Response:
    viewer_id = viewer.id if viewer else None
    chosen = await poll_entity.choices_of(session, [obj.id], viewer_id)
    counts = await poll_entity.owner_counts(session, [obj], viewer_id)
    entity = poll_entity.poll(
        obj,
        chosen.get(obj.id),
        is_owner=author.id == viewer_id,
        now=utcnow(),
        counts=counts.get(obj.id),
    )
    return json_answer(entity)


@api_view
async def get(request: web.Request) -> web.StreamResponse:
    who = await maybe_caller(request, "read:statuses")
    async with request.app[SESSIONS]() as session:
        obj, author = await _question(session, request.match_info["id"], who.user if who else None)
        return await _answer(session, obj, author, who.actor if who else None)


@api_view
async def vote(request: web.Request) -> web.StreamResponse:
    """`choices[]`: indices of the options. A second vote, a closed poll, an index that is
    no option: 422 with the reason."""
    user, actor = me(await caller(request, "write:statuses"))
    given = await params(request)
    picked = given.getall("choices[]", []) or given.getall("choices", [])
    async with request.app[SESSIONS].begin() as session:
        obj, author = await _question(session, request.match_info["id"], user)
        found = poll_entity.poll(obj, None, is_owner=False, now=utcnow())
        assert found is not None
        titles = [o["title"] for o in found["options"]]
        if not picked:
            raise ApiError(422, _("Validation failed: Choose an option."))
        if not all(p.isascii() and p.isdigit() and int(p) < len(titles) for p in picked):
            raise ApiError(422, _("Validation failed: that choice is not an option of the poll"))
        voter = await session.get(Actor, actor.id)
        assert voter is not None
        try:
            await quiz_outbox.vote(
                session,
                request.app[FEDERATION].urls,
                voter,
                obj,
                author,
                [titles[int(p)] for p in picked],
                now=utcnow(),
                update_interval=timedelta(seconds=request.app[SETTINGS].poll_update_interval),
            )
        except QuizError as exc:
            raise ApiError(422, _("Validation failed: {why}", why=str(exc))) from None
    request.app[WORKER].wake()
    async with request.app[SESSIONS]() as session:
        obj, author = await _question(session, request.match_info["id"], user)
        return await _answer(session, obj, author, actor)
