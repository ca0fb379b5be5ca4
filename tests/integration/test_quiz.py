"""Quizzes and challenges: a trainer's Question, voted on from this node and a peer over real
HTTP the way Mastodon votes (a Create of a Note named for the option, to the author only),
its counts sent back as an Update at a bounded rate; a captured Mastodon poll shown and voted
on; the CLI, the vote form, search and catalogue sync."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select

from compagnon.cli import main
from compagnon.domain.quiz import QuestionSpec, QuizError, end_time, problems
from compagnon.federation.actor_convert import actor_fields_from_document
from compagnon.federation.ingest import Incoming, store_remote_objects
from compagnon.federation.outbox import quiz as quiz_outbox
from compagnon.operations import OperationError
from compagnon.operations import quiz as quiz_ops
from compagnon.operations.catalogue_sync import catalogue_sync
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Activity, Actor, Delivery
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.web import Browser, csrf_of

PAYLOADS = Path(__file__).parents[1] / "interop" / "payloads"
REFERENCE = Path(__file__).parents[1] / "fixtures" / "reference" / "question.example.json"
LICENCES = ["CC BY-NC-ND 4.0", "CC BY-SA 4.0", "All rights reserved"]
QUESTION = "Which licence lets a host company adapt your worksheet and use it commercially?"


def test_every_mistake_of_a_question_is_named() -> None:
    now = datetime(2026, 12, 6, tzinfo=UTC)
    assert problems(QuestionSpec("Q?", ("A",))) == [
        "A question needs at least 2 options (--option A --option B)."
    ]
    assert problems(QuestionSpec("Q?", ("Yes", "yes "))) == [
        "The option \u201cyes\u201d is given twice."
    ]
    assert len(problems(QuestionSpec(" ", ("", "B")))) == 2
    assert problems(QuestionSpec("Q?", ("A", "B"))) == []
    assert end_time(now, ends_in="P1DT12H") == now + timedelta(days=1, hours=12)
    for ends_in, ends_at, mistake in [
        ("one day", None, "ISO 8601 duration"),
        ("PT1M", None, "at least 5 minutes"),
        ("P400D", None, "at most a year"),
        (None, "yesterday", "date and time"),
        (None, "2026-12-05T10:00Z", "at least 5 minutes"),
        ("P1D", "2026-12-24T18:00Z", "not both"),
    ]:
        with pytest.raises(QuizError, match=mistake):
            end_time(now, ends_in=ends_in, ends_at=ends_at)


async def _results(node: Node, uri: str, who: str | None = None) -> dict[str, Any]:
    return await quiz_ops.results(node.settings, uri, username=who)


def _counts(found: dict[str, Any]) -> dict[str, int]:
    return {o["name"]: o["votes"] for o in found["options"]}


async def _outcome(node: Node, activity_type: str, voter: str) -> list[str | None]:
    async with node.sessions() as session:
        rows = await session.scalars(
            select(Activity)
            .where(Activity.type == activity_type, Activity.actor_uri == voter)
            .where(Activity.is_local.is_(False))
            .order_by(Activity.id)
        )
        return [row.error for row in rows]


async def test_votes_from_two_nodes_are_counted_once_and_the_counts_reach_both(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend), await make_node("b", backend)
    await a.create_user("ana")
    await a.create_user("carla")
    bruno = await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)

    created = await quiz_ops.create(
        a.settings, "ana", question=QUESTION, options=LICENCES, ends_in="P7D", language="en"
    )
    uri = created["uri"]
    await settle(a, b)
    copy = await b.object(uri)
    assert copy is not None and copy.type == "Question"
    assert "CC BY-SA 4.0" in copy.content  # options shown on the peer, as Mastodon would

    # A local vote and a remote one (sent to ana's node, addressed to ana only).
    await quiz_ops.vote(a.settings, "carla", uri, ["CC BY-SA 4.0"])
    done = await quiz_ops.vote(b.settings, "bruno", uri, ["CC BY-SA 4.0"])
    assert done["sent_to"] == (await a.actor("ana")).uri
    async with b.sessions() as session:
        sent = await session.scalar(
            select(Activity).where(Activity.actor_uri == bruno.uri, Activity.type == "Create")
        )
    assert sent is not None
    note = sent.raw["object"]
    assert note["type"] == "Note" and note["name"] == "CC BY-SA 4.0"
    assert note["inReplyTo"] == uri and sent.raw["to"] == [(await a.actor("ana")).uri]
    await settle(a, b)

    assert _counts(await _results(a, uri)) == {LICENCES[0]: 0, LICENCES[1]: 2, LICENCES[2]: 0}
    # The first count went out at once; the next waits for poll_update_interval (180 s).
    assert _counts(await _results(b, uri))[LICENCES[1]] == 1
    await settle(a, b, now=datetime.now(UTC) + timedelta(seconds=200))
    on_b = await _results(b, uri, "bruno")
    assert _counts(on_b) == {LICENCES[0]: 0, LICENCES[1]: 2, LICENCES[2]: 0}
    assert on_b["voters"] == 2 and on_b["mine"] == ["CC BY-SA 4.0"]
    assert "bruno" not in json.dumps((await b.object(uri)).raw)  # not a post, no timeline

    # A second vote on a oneOf: refused on B before it leaves, and by A if sent anyway.
    with pytest.raises(OperationError, match="already voted"):
        await quiz_ops.vote(b.settings, "bruno", uri, ["All rights reserved"])
    with pytest.raises(OperationError, match="already voted"):
        await quiz_ops.vote(a.settings, "carla", uri, ["All rights reserved"])
    with pytest.raises(OperationError, match="not an option"):
        await quiz_ops.vote(a.settings, "ana", uri, ["CC BY 4.0"])
    await _vote_anyway(b, "bruno", uri, a, "All rights reserved")
    await settle(a, b, now=datetime.now(UTC) + timedelta(seconds=400))
    assert _counts(await _results(a, uri))[LICENCES[2]] == 0
    outcomes = await _outcome(a, "Create", bruno.uri)
    assert outcomes[-1] is not None and "already voted" in outcomes[-1]

    # A question that has ended: the vote is refused here and there; the closing Update
    # tells the peer it is closed.
    week_ago = datetime.now(UTC) - timedelta(days=7)
    ended = await quiz_ops.create(
        a.settings, "ana", question="Closed?", options=["Yes", "No"], ends_in="P1D", now=week_ago
    )
    await settle(a, b)
    with pytest.raises(OperationError, match="closed"):
        await quiz_ops.vote(b.settings, "bruno", ended["uri"], ["Yes"])
    assert (await _results(b, ended["uri"]))["closed"] is True
    await _vote_anyway(b, "bruno", ended["uri"], a, "Yes")
    await settle(a, b)
    assert _counts(await _results(a, ended["uri"])) == {"Yes": 0, "No": 0}
    outcomes = await _outcome(a, "Create", bruno.uri)
    assert outcomes[-1] is not None and "closed" in outcomes[-1]


async def _vote_anyway(
    voter_node: Node, voter: str, uri: str, author_node: Node, option: str
) -> None:
    """What a careless peer could send: a vote without the checks this node makes first."""
    assert voter_node.app is not None
    urls = voter_node.app[FEDERATION].urls
    async with voter_node.sessions.begin() as session:
        voter_actor = await actor_queries.local_by_username(session, voter)
        author = await session.scalar(
            select(Actor).where(Actor.uri == (await author_node.actor("ana")).uri)
        )
        assert voter_actor is not None and author is not None
        await quiz_outbox.send_vote_unchecked(session, urls, voter_actor, uri, author, option)


async def test_several_choices_on_an_any_of_question(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    uri = (
        await quiz_ops.create(
            a.settings,
            "ana",
            question="Which are PPE?",
            options=["Gloves", "Goggles", "Radio"],
            multiple=True,
        )
    )["uri"]
    await settle(a, b)
    await quiz_ops.vote(b.settings, "bruno", uri, ["Gloves", "Goggles"])
    with pytest.raises(OperationError, match="already chosen"):
        await quiz_ops.vote(b.settings, "bruno", uri, ["Gloves"])
    await settle(a, b)
    on_a = await _results(a, uri)
    assert on_a["multiple"] is True and on_a["voters"] == 1
    assert _counts(on_a) == {"Gloves": 1, "Goggles": 1, "Radio": 0}
    assert _counts(await _results(b, uri)) == _counts(on_a)
    async with httpx.AsyncClient() as http:
        served = (await http.get(uri, headers={"Accept": "application/activity+json"})).json()
    assert served["type"] == "Question" and "oneOf" not in served
    assert [o["replies"]["totalItems"] for o in served["anyOf"]] == [1, 1, 0]
    assert served["votersCount"] == 1 and served["endTime"]


def _captured(name: str) -> dict[str, Any]:
    """A Question from the captured payloads, or the design's reference question."""
    path = REFERENCE if name == "reference" else PAYLOADS / name
    doc = json.loads(path.read_text())
    return doc["object"] if doc.get("type") == "Create" else doc


async def _receive(node: Node, doc: dict[str, Any]) -> Actor:
    """Store a remote Question as the inbox's Create handler does (ingest.py), from an actor
    made after its attributedTo."""
    author_uri = doc["attributedTo"]
    host = author_uri.split("/")[2]
    fields = actor_fields_from_document(
        {
            "id": author_uri,
            "type": "Person",
            "preferredUsername": author_uri.rsplit("/", 1)[1],
            "inbox": f"{author_uri}/inbox",
            "endpoints": {"sharedInbox": f"https://{host}/inbox"},
            "followers": f"{author_uri}/followers",
        }
    )
    async with node.sessions.begin() as session:
        author = await actor_queries.upsert_remote(session, fields)
        await store_remote_objects(session, [Incoming(author, doc)])
    return author


@pytest.mark.parametrize(
    ("source", "voted", "moment"),
    [
        # soapbox-pub/rebased test/fixtures/mastodon-question-activity.json (SOURCES.md)
        ("mastodon/create_question.json", "Everyone knows that!", "2019-05-10T12:00:00Z"),
        # Mastodon's anyOf, as Mastodon's own specs build it (SOURCES.md)
        ("mastodon/question_anyof.json", "orange", "2023-03-05T08:00:00Z"),
        # shared/reference/question.example.json (tests/fixtures/reference): the design's own
        ("reference", "CC BY-SA 4.0", "2025-03-21T09:00:00Z"),
    ],
)
async def test_a_captured_mastodon_poll_is_shown_with_its_counts_and_voted_on(
    make_node: NodeFactory, source: str, voted: str, moment: str
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    doc = _captured(source)
    if "attributedTo" not in doc:  # Mastodon's spec fixture names no author nor audience
        doc = {
            **doc,
            "attributedTo": "https://mastodon.example/users/alice",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }
    author = await _receive(node, doc)
    uri = doc["id"]

    key = "anyOf" if "anyOf" in doc else "oneOf"
    expected = {o["name"]: o["replies"]["totalItems"] for o in doc[key]}
    async with httpx.AsyncClient() as http:
        page = await http.get(f"{node.base}/questions", params={"uri": uri})
    assert page.status_code == 200
    for name, votes in expected.items():
        assert f'value="{votes}">{votes}</meter>' in page.text.replace(
            f'max="{max(sum(expected.values()), 1)}" ', ""
        )
        assert name.replace("'", "&#39;") in page.text
    assert 'style="' not in page.text

    now = datetime.fromisoformat(moment)
    await quiz_ops.vote(node.settings, "maria", uri, [voted], now=now)
    async with node.sessions() as session:
        create = await session.scalar(
            select(Activity).where(Activity.type == "Create", Activity.is_local.is_(True))
        )
        assert create is not None
        deliveries = list(
            await session.scalars(select(Delivery).where(Delivery.activity_id == create.id))
        )
    assert create.raw["object"]["name"] == voted and create.raw["object"]["inReplyTo"] == uri
    assert create.raw["to"] == [author.uri] and "cc" not in create.raw
    assert [d.inbox for d in deliveries] == [author.shared_inbox or author.inbox]
    # Counts of a remote poll are its author's: unchanged here until its Update comes.
    assert _counts(await _results(node, uri)) == expected
    if key == "oneOf":
        with pytest.raises(OperationError, match="already voted"):
            await quiz_ops.vote(node.settings, "maria", uri, [voted], now=now)
    with pytest.raises(OperationError, match="closed"):  # its endTime has passed by now
        await quiz_ops.vote(node.settings, "maria", uri, [next(iter(expected))])


async def test_a_trainer_votes_through_the_form(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    await node.create_user("maria")
    uri = (await quiz_ops.create(node.settings, "ana", question=QUESTION, options=LICENCES))["uri"]
    async with Browser(node) as browser:
        anonymous = await browser.page(uri.removeprefix(node.base))
        assert QUESTION in anonymous and 'action="/questions/vote"' not in anonymous
        assert await browser.log_in("maria") == 303
        page = await browser.page(uri.removeprefix(node.base))
        assert 'type="radio"' in page and "<meter" in page
        status, html, _ = await browser.post(
            "/questions/vote", {"uri": uri, "option": LICENCES[1], "csrf": "forged"}
        )
        assert status == 403 and "form expired" in html
        form = {"uri": uri, "option": "Something else", "csrf": csrf_of(page)}
        status, html, _ = await browser.post("/questions/vote", form)
        assert status == 400 and "not an option" in html and 'role="alert"' in html
        form["option"] = LICENCES[1]
        status, _, headers = await browser.post("/questions/vote", form)
        assert status == 303
        shown = await browser.page(headers["Location"])
        assert "you chose: CC BY-SA 4.0" in shown and 'action="/questions/vote"' not in shown
        status, html, _ = await browser.post("/questions/vote", form)
        assert status == 400 and "already voted" in html
    assert _counts(await _results(node, uri))[LICENCES[1]] == 1
    async with Browser(node) as author:
        assert await author.log_in("ana") == 303
        home = await author.page("/home")
        link = f'href="/questions?uri={quote(uri, safe="/")}"'
        assert link in home  # the timeline links the question's page
        assert "you chose" not in await author.page(f"/questions?uri={quote(uri, safe='/')}")


async def test_questions_are_listed_by_search_and_imported_by_catalogue_sync(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend), await make_node("b", backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    uri = (await quiz_ops.create(a.settings, "ana", question=QUESTION, options=LICENCES))["uri"]
    # B does not follow ana: the question comes by catalogue sync of her outbox.
    await catalogue_sync(b.settings, (await a.actor("ana")).uri, run=True)
    copy = await b.object(uri)
    assert copy is not None and copy.type == "Question"

    async with httpx.AsyncClient() as http:
        for node in (a, b):
            found = (
                await http.get(
                    f"{node.base}/search",
                    params={"q": "licence worksheet", "type": "question"},
                    headers={"Accept": "application/json"},
                )
            ).json()
            assert [h["id"] for h in found["results"]] == [uri]
            assert found["results"][0]["type"] == "question"
            assert found["results"][0]["title"].startswith("Which licence")
        listed = await http.get(f"{a.base}/search", params={"type": "question"})
        assert "Quiz (question)" in listed.text

    await quiz_ops.delete(a.settings, "ana", uri)
    async with httpx.AsyncClient() as http:
        found = (
            await http.get(
                f"{a.base}/search",
                params={"type": "question"},
                headers={"Accept": "application/json"},
            )
        ).json()
    assert found["results"] == []


async def test_cli_names_every_mistake(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--config", f"{tmp_path}/node.toml", "--data-dir", f"{tmp_path}/data"]
    await asyncio.to_thread(main, ["user", "create", "ana", *args])
    capsys.readouterr()
    for extra, mistake in [
        (["--option", "A"], "at least 2 options"),
        (["--option", "A", "--option", "a"], "given twice"),
        (["--option", "A", "--option", "B", "--ends-in", "tomorrow"], "ISO 8601 duration"),
    ]:
        with pytest.raises(SystemExit, match=mistake):
            await asyncio.to_thread(
                main, ["quiz", "create", "ana", "--question", "Q?", *extra, *args]
            )
    await asyncio.to_thread(
        main,
        ["quiz", "create", "ana", "--question", "Ready?", "--option", "Yes", "--option", "No",
         "--ends-in", "PT30M", *args],
    )  # fmt: skip
    uri = capsys.readouterr().out.splitlines()[0]
    with pytest.raises(SystemExit, match="not an option"):
        await asyncio.to_thread(main, ["quiz", "vote", "ana", uri, "Maybe", *args])
    await asyncio.to_thread(main, ["quiz", "vote", "ana", uri, "Yes", *args])
    assert "vote counted: Yes" in capsys.readouterr().out
    await asyncio.to_thread(main, ["quiz", "results", uri, "--as", "ana", *args])
    out = capsys.readouterr().out
    assert "Ready?" in out and "1  Yes *" in out and "0  No" in out and "1 voter\n" in out
    with pytest.raises(SystemExit, match="There is no question"):
        await asyncio.to_thread(main, ["quiz", "results", uri + "x", *args])
    await asyncio.to_thread(main, ["quiz", "delete", "ana", uri, *args])
    with pytest.raises(SystemExit, match="There is no question"):
        await asyncio.to_thread(main, ["quiz", "vote", "ana", uri, "No", *args])


async def test_a_question_not_held_is_fetched_then_voted_on(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    uri = (await quiz_ops.create(a.settings, "ana", question=QUESTION, options=LICENCES))["uri"]
    assert await b.object(uri) is None  # bruno follows nobody: B never got it
    done = await quiz_ops.vote(b.settings, "bruno", uri, [LICENCES[0]])
    assert done["sent_to"] == (await a.actor("ana")).uri
    await settle(a, b)
    assert _counts(await _results(a, uri))[LICENCES[0]] == 1
    # B is not a follower, but a voter: the new counts reach it.
    assert _counts(await _results(b, uri, "bruno"))[LICENCES[0]] == 1
    with pytest.raises(OperationError, match="no question"):
        await quiz_ops.vote(b.settings, "bruno", f"{a.base}/users/ana", [LICENCES[0]])
