"""Authorized-fetch mode and private objects: documents need a signed GET, the instance actor
stays open, blocked domains get 403, followers-only posts are shown to followers only."""

from __future__ import annotations

import httpx

from compagnon.federation.signing.signatures import load_private_key, sign_cavage
from compagnon.storage.models import Actor
from tests.conftest import NodeFactory
from tests.support.nodes import settle

AP = {"Accept": "application/activity+json"}


def signed_get(url: str, actor: Actor) -> dict[str, str]:
    assert actor.private_key_pem is not None
    return {
        **AP,
        **sign_cavage(
            "GET", url, AP, None, actor.public_key_id, load_private_key(actor.private_key_pem)
        ),
    }


async def test_authorized_fetch_requires_signatures_but_federates(make_node: NodeFactory) -> None:
    a = await make_node("a", authorized_fetch=True)
    b = await make_node("b", authorized_fetch=True)
    ana = await a.create_user("ana")
    bruno = await b.create_user("bruno")
    async with httpx.AsyncClient() as http:
        unsigned = await http.get(ana.uri, headers=AP)
        instance = await http.get(f"{a.base}/actor", headers=AP)
        signed = await http.get(ana.uri, headers=signed_get(ana.uri, bruno))
        outbox = await http.get(ana.outbox, headers=AP)
        page = await http.get(ana.uri, headers={"Accept": "text/html"})
    assert unsigned.status_code == 401 and "signed" in unsigned.json()["error"]
    assert outbox.status_code == 401
    assert instance.status_code == 200
    assert signed.status_code == 200 and signed.json()["id"] == ana.uri
    assert page.status_code == 200  # people still see the profile page

    # Two authorized-fetch nodes still find, follow and deliver to each other.
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    note = await a.post("ana", "signed all the way")
    await settle(a, b)
    assert await b.object(note.uri) is not None


async def test_signed_get_from_a_blocked_domain_is_refused(make_node: NodeFactory) -> None:
    b = await make_node("b")
    bruno = await b.create_user("bruno")
    a = await make_node("a", blocked_domains="127.0.0.1", authorized_fetch=True)
    ana = await a.create_user("ana")
    async with httpx.AsyncClient() as http:
        answer = await http.get(ana.uri, headers=signed_get(ana.uri, bruno))
    assert answer.status_code == 403


async def test_followers_only_object_is_shown_to_followers_only(make_node: NodeFactory) -> None:
    a, b, c = await make_node("a"), await make_node("b"), await make_node("c")
    await a.create_user("ana")
    bruno = await b.create_user("bruno")
    chiara = await c.create_user("chiara")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    note = await a.post("ana", "for followers", visibility="followers")
    await settle(a, b)
    async with httpx.AsyncClient() as http:
        anonymous = await http.get(note.uri, headers=AP)
        follower = await http.get(note.uri, headers=signed_get(note.uri, bruno))
        stranger = await http.get(note.uri, headers=signed_get(note.uri, chiara))
    assert anonymous.status_code == 404
    assert follower.status_code == 200 and follower.json()["id"] == note.uri
    assert stranger.status_code == 404
