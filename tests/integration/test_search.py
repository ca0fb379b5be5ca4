"""Search across the network: a resource published on node A reaches node B over real
federation and B's search finds it by words and facets, until A deletes it; bad parameters
get a plain 400."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import NodeFactory
from tests.support.nodes import settle
from tests.support.resources import QUIZ, publish_quiz

JSON = {"Accept": "application/json"}


async def test_a_resource_from_a_peer_is_found_until_it_is_deleted(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    obj = await publish_quiz(a, "ana")
    await settle(a, b)

    async with httpx.AsyncClient(base_url=b.base) as http:
        answer = (await http.get("/search", params={"q": "licensing quiz"}, headers=JSON)).json()
        assert [r["id"] for r in answer["results"]] == [obj.uri]
        assert answer["results"][0]["author"] == f"ana@{a.domain}"
        assert answer["results"][0]["eqf"] == QUIZ.eqf_level
        facets = {
            name: {v["value"]: v["count"] for v in values}
            for name, values in answer["facets"].items()
        }
        assert facets["eqf"] == {"4": 1} and facets["field"] == {"0611": 1}

        page = await http.get("/search", params={"eqf": "4", "field": "0611", "lang": "en"})
        assert page.status_code == 200
        assert "Licensing your own training content" in page.text
        assert "Computer use" in page.text  # the facet shown by its label
        none = await http.get("/search", params={"q": "licensing", "eqf": "5"})
        assert "No resource matches this search" in none.text

        # The publishing node finds its own resource too.
        async with httpx.AsyncClient(base_url=a.base) as on_a:
            mine = (await on_a.get("/search?q=creative", headers=JSON)).json()
        assert [r["id"] for r in mine["results"]] == [obj.uri]

        await a.delete(obj.uri)
        await settle(a, b)
        gone = (await http.get("/search", params={"q": "licensing"}, headers=JSON)).json()
        assert gone["results"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("eqf=99", "EQF levels go from 1 to 8."),
        ("q=" + "x" * 300, "Search text is at most 200 characters."),
        ("before=abc", "That page link is broken; search again."),
    ],
)
async def test_bad_parameters_get_a_plain_400(
    make_node: NodeFactory, query: str, message: str
) -> None:
    node = await make_node("a")
    async with httpx.AsyncClient(base_url=node.base) as http:
        page = await http.get(f"/search?{query}")
        assert page.status_code == 400
        assert message in page.text and "Traceback" not in page.text
        answer = await http.get(f"/search?{query}", headers=JSON)
        assert answer.status_code == 400 and answer.json()["error"] == message


async def test_syntax_characters_and_an_empty_index_are_answered(make_node: NodeFactory) -> None:
    node = await make_node("a")
    async with httpx.AsyncClient(base_url=node.base) as http:
        for q in ['"', "*", "NEAR(", "a:b", "-", "'; DROP TABLE objects; --"]:
            page = await http.get("/search", params={"q": q})
            assert page.status_code == 200, q
        first = await http.get("/search")
        assert "No learning resources here yet." in first.text
