"""Who finds what in search (README "Finding resources"): anyone finds public resources,
signed-in trainers of the node also unlisted ones, followers-only ones are never listed; in the
page and in the JSON answer alike, for resources of this node and of a peer."""

from __future__ import annotations

from dataclasses import replace

import httpx

from compagnon.federation.outbox import publish
from compagnon.server.keys import FEDERATION
from compagnon.storage.models import Object
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.resources import QUIZ
from tests.support.signin import sign_in

JSON = {"Accept": "application/json"}


async def publish_as(node: Node, username: str, title: str, visibility: str) -> Object:
    assert node.app is not None
    async with node.sessions.begin() as session:
        author = await actor_queries.local_by_username(session, username)
        assert author is not None
        resource = replace(QUIZ, title=title)
        urls = node.app[FEDERATION].urls
        return await publish.publish_resource(
            session, urls, author, resource, visibility=visibility
        )


async def found(http: httpx.AsyncClient) -> tuple[set[str], str]:
    """The ids the JSON answer lists for "licensing", and the HTML page of the same search."""
    answer = await http.get("/search", params={"q": "licensing"}, headers=JSON)
    page = await http.get("/search", params={"q": "licensing"})
    assert answer.status_code == 200 and page.status_code == 200
    return {hit["id"] for hit in answer.json()["results"]}, page.text


async def test_unlisted_resources_are_found_by_signed_in_trainers_not_by_visitors(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await a.follow("ana", f"bruno@{b.domain}")
    await settle(a, b)
    titles = {
        "public": "Licensing quiz, public",
        "unlisted": "Licensing quiz, unlisted",
        "followers": "Licensing quiz, followers only",
    }
    ours = {v: await publish_as(a, "ana", f"{t} (here)", v) for v, t in titles.items()}
    theirs = {v: await publish_as(b, "bruno", f"{t} (peer)", v) for v, t in titles.items()}
    await settle(a, b)
    assert all([await a.object(obj.uri) for obj in theirs.values()])  # all three reached A

    async with httpx.AsyncClient(base_url=a.base) as visitor:
        ids, page = await found(visitor)
    assert ids == {ours["public"].uri, theirs["public"].uri}
    assert "Licensing quiz, public (here)" in page and "Licensing quiz, public (peer)" in page
    assert "Licensing quiz, unlisted" not in page and "Licensing quiz, followers" not in page

    async with httpx.AsyncClient(base_url=a.base) as trainer:
        await sign_in(trainer, "ana")
        ids, page = await found(trainer)
    assert ids == {obj.uri for v, obj in [*ours.items(), *theirs.items()] if v != "followers"}
    for where in ("here", "peer"):
        assert f"Licensing quiz, public ({where})" in page
        assert f"Licensing quiz, unlisted ({where})" in page
    assert "Licensing quiz, followers" not in page
