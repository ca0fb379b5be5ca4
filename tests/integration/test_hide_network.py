"""A trainer who hides whom she follows and who follows her (Mastodon's `hide_collections`,
from an app's update_credentials or her settings page): the apps list them empty to anyone
but her, other nodes get the numbers and no page of names, and she still sees her own lists.
Over real HTTP, with Mastodon.py as the app and a follower on a second node."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import NodeFactory
from tests.integration.test_mastodon_api import call, sign_in_app
from tests.support.nodes import Node, settle
from tests.support.web import Browser, csrf_of

AP = "application/activity+json"


async def _collections(node: Node, username: str) -> dict[str, Any]:
    """Her followers and following collections and their first pages, as a peer reads them."""
    found: dict[str, Any] = {}
    async with httpx.AsyncClient(headers={"Accept": AP}) as http:
        for which in ("followers", "following"):
            where = f"{node.base}/users/{username}/{which}"
            found[which] = (await http.get(where)).json()
            found[f"{which} page"] = await http.get(where + "?page=1")
    return found


async def _anonymous_lists(node: Node, account_id: str) -> list[Any]:
    async with httpx.AsyncClient(base_url=node.base) as http:
        return [
            (await http.get(f"/api/v1/accounts/{account_id}/{which}")).json()
            for which in ("followers", "following")
        ]


async def test_hidden_lists_are_hers_alone_and_the_numbers_stay(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await a.create_user("rita")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await a.follow("rita", f"maria@{a.domain}")
    await a.follow("maria", f"rita@{a.domain}")
    await settle(a, b)
    maria, _id, _secret = await sign_in_app(a, "maria")
    rita, _id, _secret = await sign_in_app(a, "rita")
    me = await call(maria.account_verify_credentials)
    assert me.hide_collections is False
    assert len(await call(rita.account_followers, me.id)) == 2

    me = await call(maria.account_update_credentials, hide_collections=True)
    assert me.hide_collections is True
    # Others: the lists are empty, from an app or without one; the numbers stay.
    assert await call(rita.account_followers, me.id) == []
    assert await call(rita.account_following, me.id) == []
    assert await _anonymous_lists(a, me.id) == [[], []]
    seen = await call(rita.account, me.id)
    assert (seen.followers_count, seen.following_count, seen.hide_collections) == (2, 1, True)
    # Her: her own lists, whole.
    assert {x.acct for x in await call(maria.account_followers, me.id)} == {
        "rita",
        f"joao@{b.domain}",
    }
    assert [x.acct for x in await call(maria.account_following, me.id)] == ["rita"]
    # Other nodes: the count without a first page, and no page to read.
    shown = await _collections(a, "maria")
    assert shown["followers"]["totalItems"] == 2 and "first" not in shown["followers"]
    assert shown["following"]["totalItems"] == 1 and "first" not in shown["following"]
    assert shown["followers page"].status_code == 403
    assert shown["following page"].status_code == 403
    # Rita hides nothing: hers are listed as before.
    rita_id = (await call(rita.account_verify_credentials)).id
    assert [x.acct for x in await call(maria.account_followers, rita_id)] == ["maria"]

    me = await call(maria.account_update_credentials, hide_collections=False)
    assert me.hide_collections is False
    assert len(await call(rita.account_followers, me.id)) == 2
    shown = await _collections(a, "maria")
    assert shown["followers page"].json()["orderedItems"]
    assert shown["followers"]["first"].endswith("/users/maria/followers?page=1")


async def test_the_settings_page_hides_them_and_keeps_the_other_choices(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    await a.follow("rita", f"maria@{a.domain}")
    await a.run_once()
    maria = await a.actor("maria")

    async with Browser(a) as web:
        await web.log_in("maria")
        page = await web.page("/settings")
        assert 'name="hide_network" value="on" aria-describedby="network-hint">' in page
        profile = {
            "csrf": csrf_of(page),
            "action": "profile",
            "display_name": "Maria",
            "summary": "Welding trainer",
            "listed_box": "1",
            "listed": "on",
            "network_box": "1",
        }
        status, _, _ = await web.post("/settings", {**profile, "hide_network": "on"})
        assert status == 303
        page = await web.page("/settings")
        assert 'name="hide_network" value="on" aria-describedby="network-hint" checked>' in page
        assert 'name="listed" value="on" aria-describedby="listed-hint" checked>' in page
        assert await _anonymous_lists(a, str(maria.id)) == [[], []]
        assert "first" not in (await _collections(a, "maria"))["followers"]

        # A form without the box (a page from before it, a script) leaves the choice alone.
        older = {k: v for k, v in profile.items() if k != "network_box"}
        assert (await web.post("/settings", {**older, "csrf": csrf_of(page)}))[0] == 303
        assert await _anonymous_lists(a, str(maria.id)) == [[], []]

        page = await web.page("/settings")
        assert (await web.post("/settings", {**profile, "csrf": csrf_of(page)}))[0] == 303
        followers, _following = await _anonymous_lists(a, str(maria.id))
        assert [x["acct"] for x in followers] == ["rita"]
