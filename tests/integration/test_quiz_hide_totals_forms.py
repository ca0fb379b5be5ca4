"""A question whose counts wait for its end, set without a phone app: from the web form
(`/questions/new`, with its "Hide the counts until it ends" box) and from `compagnon quiz
create --hide-totals`. A colleague who votes reads no counts in her app's poll until it ends;
the author reads them; without the box they are shown."""

from __future__ import annotations

import asyncio

import pytest
from mastodon import Mastodon

from compagnon.cli import main
from tests.conftest import NodeFactory
from tests.integration.test_social_cli import cli_args
from tests.integration.test_web_push import app_token, client
from tests.support.mastodon_app import call
from tests.support.nodes import Node
from tests.support.web import Browser, csrf_of


async def counts(app: Mastodon, author: str) -> list[int | None]:
    """The counts of `author`'s newest question, as the app's Poll shows them to its user."""
    author_id = (await call(app.account_lookup, author)).id
    [status] = await call(app.account_statuses, author_id, limit=1)
    return [o.votes_count for o in (await call(app.poll, status.poll.id)).options]


async def test_the_web_form_sets_a_question_whose_counts_wait_for_its_end(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    async with Browser(a) as browser:
        assert await browser.log_in("maria") == 303
        assert 'href="/questions/new"' in await browser.page("/home")
        page = await browser.page("/questions/new")
        form = {
            "csrf": csrf_of(page),
            "question": "Which process first?",
            "options": "MIG\n\nTIG\n",
            "ends_in": "P1D",
            "visibility": "public",
            "hide_totals": "on",
        }
        status, html, _ = await browser.post("/questions/new", {**form, "options": "MIG"})
        assert status == 400 and "at least 2 options" in html and "Which process first?" in html
        status, html, _ = await browser.post("/questions/new", {**form, "csrf": "forged"})
        assert status == 403
        status, _, headers = await browser.post("/questions/new", form)
        assert status == 303
        uri = headers["Location"]
        shown = await browser.page(uri.removeprefix(a.base))
        assert "Which process first?" in shown and "TIG" in shown
    async with Browser(a) as voter:
        assert await voter.log_in("rita") == 303
        page = await voter.page(uri.removeprefix(a.base))
        vote = {"uri": uri, "option": "TIG", "csrf": csrf_of(page)}
        assert (await voter.post("/questions/vote", vote))[0] == 303
        # Her vote is taken; the page shows the options without their counts.
        page = await voter.page(uri.removeprefix(a.base))
        assert "Its author shows the counts when it ends." in page
        assert "you chose: TIG" in page and 'class="votes"' not in page
    rita = client(a, (await app_token(a, "rita"))[0])
    maria = client(a, (await app_token(a, "maria"))[0])
    assert await counts(rita, "maria") == [None, None]
    assert await counts(maria, "maria") == [0, 1]

    # Without the box, the one who voted reads the counts.
    async with Browser(a) as browser:
        assert await browser.log_in("maria") == 303
        page = await browser.page("/questions/new")
        form = {**form, "csrf": csrf_of(page), "question": "Shown?"}
        del form["hide_totals"]
        status, _, headers = await browser.post("/questions/new", form)
        assert status == 303
    async with Browser(a) as voter:
        assert await voter.log_in("rita") == 303
        page = await voter.page(headers["Location"].removeprefix(a.base))
        vote = {"uri": headers["Location"], "option": "MIG", "csrf": csrf_of(page)}
        assert (await voter.post("/questions/vote", vote))[0] == 303
        page = await voter.page(headers["Location"].removeprefix(a.base))
        assert '<span class="votes">1</span>' in page and "shows the counts when" not in page
    assert await counts(rita, "maria") == [1, 0]


async def cli(node: Node, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    await asyncio.to_thread(main, [*args, *cli_args(node)])
    return capsys.readouterr().out


async def test_quiz_create_hide_totals_keeps_the_counts_for_the_end(
    make_node: NodeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    out = await cli(
        a, capsys, "quiz", "create", "maria", "--question", "Which process first?",
        "--option", "MIG", "--option", "TIG", "--hide-totals",
    )  # fmt: skip
    uri = out.splitlines()[0]
    await cli(a, capsys, "quiz", "vote", "rita", uri, "TIG")
    rita = client(a, (await app_token(a, "rita"))[0])
    maria = client(a, (await app_token(a, "maria"))[0])
    assert await counts(rita, "maria") == [None, None]
    assert await counts(maria, "maria") == [0, 1]
    # At the shell (the admin's, or the author's) the counts are read from the votes.
    shown = await cli(a, capsys, "quiz", "results", uri)
    assert "    1  TIG" in shown and "hidden from others until it ends" in shown
