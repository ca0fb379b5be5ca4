"""A learning resource published from a phone app's compose box (issue 13): a status with a
link, an `#EQF` level and a field or occupation tag, posted with Mastodon.py over real HTTP,
becomes a learning resource — a rich status with a card in the app, found by the node's
search by level and field, and received as a resource by a follower on a second node —
while a status whose tags say only half stays a plain note."""

from __future__ import annotations

from dataclasses import replace

import httpx

from compagnon.federation.resource_convert import resource_from_document
from tests.conftest import NodeFactory
from tests.support.mastodon_app import call, sign_in_app
from tests.support.nodes import arrival, settle
from tests.support.resources import WELDING, publish_resource

JSON = {"Accept": "application/json"}
WELDER = "http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b"
STATUS = (
    "Oxy-fuel welding: safety checklist https://cfp.example.org/oxyfuel.pdf\n"
    "One page to read before lighting the torch: hoses, valves, flashback arrestors.\n"
    "#EQF3 #ISCED0715 #welder #safety"
)


async def _search(base: str, **params: str) -> list[str]:
    async with httpx.AsyncClient(base_url=base) as http:
        answer = await http.get("/search", params=params, headers=JSON)
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["results"]]


async def test_a_status_with_a_link_a_level_and_a_trade_becomes_a_learning_resource(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    api, _client_id, _client_secret = await sign_in_app(a, "maria")

    # Half the convention (a level, no trade): a plain note, as any other status.
    note = await call(api.status_post, "Checklist https://cfp.example.org/x.pdf #EQF3")
    assert note.card is None
    note_object = await a.object(note.uri)
    assert note_object is not None and note_object.type == "Note"

    status = await call(api.status_post, STATUS, language="pt", idempotency_key="compose-1")
    # The app gets the resource's status: its text, and a card with the title and link.
    assert status.card.title == "Oxy-fuel welding: safety checklist"
    assert "hoses, valves, flashback arrestors" in status.card.description
    assert "Oxy-fuel welding: safety checklist" in status.content
    assert {"welder", "safety"} <= {t.name.lower() for t in status.tags}
    again = await call(api.status_post, STATUS, idempotency_key="compose-1")  # a retry
    assert again.id == status.id

    obj = await a.object(status.uri)
    assert obj is not None and obj.type == "LearningResource" and obj.raw is not None
    resource = resource_from_document(obj.raw)
    assert resource.url == "https://cfp.example.org/oxyfuel.pdf"
    assert (resource.eqf_level, resource.isced_field) == (3, "0715")
    assert resource.occupations == (WELDER,)
    assert resource.language == "pt"
    # Maria had published no resource: the node's default licence.
    assert resource.license == "https://creativecommons.org/licenses/by/4.0/"

    # The node's search finds it by level and field, and by occupation.
    assert await _search(a.base, eqf="3", field="0715") == [status.uri]
    assert await _search(a.base, occupation=WELDER) == [status.uri]
    assert await _search(a.base, eqf="4", field="0715") == []

    # Joao, who follows maria from node b, receives it as a learning resource.
    async def received() -> bool:
        there = await b.object(status.uri)
        return there is not None

    await settle(a, b)
    await arrival(b, received)
    there = await b.object(status.uri)
    assert there is not None and there.type == "LearningResource" and there.raw is not None
    assert resource_from_document(there.raw).title == "Oxy-fuel welding: safety checklist"
    assert await _search(b.base, eqf="3", field="0715") == [status.uri]
    joao_api, _id, _secret = await sign_in_app(b, "joao")
    home = await call(joao_api.timeline_home)
    assert [s.uri for s in home] == [status.uri, note.uri]
    assert home[0].card.title == "Oxy-fuel welding: safety checklist"


async def test_the_trainers_latest_licence_is_kept_and_replies_stay_notes(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    nc_sa = "https://creativecommons.org/licenses/by-nc-sa/4.0/"
    await publish_resource(a, "maria", replace(WELDING, license=nc_sa, is_based_on=()))
    api, _client_id, _client_secret = await sign_in_app(a, "maria")

    status = await call(api.status_post, STATUS, visibility="unlisted")
    obj = await a.object(status.uri)
    assert obj is not None and obj.raw is not None and obj.visibility == "unlisted"
    assert resource_from_document(obj.raw).license == nc_sa  # as on her latest resource
    assert status.visibility == "unlisted"

    # A reply and a status behind a content warning stay notes.
    reply = await call(api.status_post, STATUS, in_reply_to_id=status.id)
    hidden = await call(api.status_post, STATUS, spoiler_text="Safety")
    for posted in (reply, hidden):
        kept = await a.object(posted.uri)
        assert kept is not None and kept.type == "Note" and posted.card is None

    # Markup typed in the box is text: the resource's status carries it escaped.
    typed = await call(
        api.status_post,
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> https://cfp.example.org/s '
        "#EQF4 #ISCED0715",
    )
    assert typed.card is not None
    assert "<script" not in typed.content and "<img" not in typed.content
    assert "&lt;script&gt;" in typed.content
