"""A poll whose counts wait for its end (Mastodon's `poll[hide_totals]`), from phone apps on
two loopback nodes: until it ends, every option's `votes_count` is null for everyone but its
author (a colleague here who voted, a follower on the other node: the flag travels in the
Question's document), while the author follows her counts; once it ends, everyone reads them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import NodeFactory
from tests.integration.test_web_push import app_token, client
from tests.support.mastodon_app import call
from tests.support.nodes import settle


async def wire_counts(uri: str) -> list[Any]:
    """Each option's `totalItems` in the Question anyone can fetch (None: left out)."""
    async with httpx.AsyncClient() as http:
        answer = await http.get(uri, headers={"Accept": "application/activity+json"})
    return [o["replies"].get("totalItems") for o in answer.json()["oneOf"]]


async def test_hidden_totals_are_shown_to_the_author_alone_until_the_end(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await a.create_user("rita")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    maria = client(a, (await app_token(a, "maria"))[0])
    rita = client(a, (await app_token(a, "rita"))[0])
    joao = client(b, (await app_token(b, "joao"))[0])

    poll = maria.make_poll(["MIG", "TIG"], expires_in=600, hide_totals=True)
    status = await call(maria.status_post, "Which process first?", poll=poll)
    assert [o.votes_count for o in status.poll.options] == [0, 0]  # hers to see

    # rita votes here: she learns that she voted, not how the others did.
    voted = await call(rita.poll_vote, status.poll.id, [1])
    assert voted.voted and voted.own_votes == [1] and voted.votes_count == 1
    assert [o.votes_count for o in voted.options] == [None, None]
    seen = await call(rita.status, status.id)
    assert [o.votes_count for o in seen.poll.options] == [None, None]
    assert [o.votes_count for o in (await call(maria.poll, status.poll.id)).options] == [0, 1]

    # joao, on the other node, reads the same poll hidden, votes, and still sees no counts.
    await settle(a, b)
    [far] = await call(joao.timeline_home)
    assert [o.votes_count for o in far.poll.options] == [None, None]
    mine = await call(joao.poll_vote, far.poll.id, [0])
    assert [o.votes_count for o in mine.options] == [None, None]
    await settle(a, b)
    assert [o.votes_count for o in (await call(maria.poll, status.poll.id)).options] == [1, 1]
    assert [o.votes_count for o in (await call(rita.poll, status.poll.id)).options] == [
        None,
        None,
    ]

    # Nor does the Question's document: anyone may fetch it, so it leaves the counts out.
    assert await wire_counts(status.uri) == [None, None]

    # It ends: every one of them reads the counts.
    later = datetime.now(UTC) + timedelta(seconds=900)
    await settle(a, b, now=later)
    await settle(a, b, now=later)
    for app, poll_id in ((maria, status.poll.id), (rita, status.poll.id), (joao, far.poll.id)):
        final = await call(app.poll, poll_id)
        assert final.expired and [o.votes_count for o in final.options] == [1, 1]
    assert await wire_counts(status.uri) == [1, 1]


async def test_a_poll_without_hidden_totals_shows_them_to_voters(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    maria = client(a, (await app_token(a, "maria"))[0])
    rita = client(a, (await app_token(a, "rita"))[0])
    status = await call(
        maria.status_post, "Shown?", poll=maria.make_poll(["Yes", "No"], expires_in=600)
    )
    voted = await call(rita.poll_vote, status.poll.id, [0])
    assert [o.votes_count for o in voted.options] == [1, 0]
