"""Following an account without its shares (Mastodon's `reblogs=false`), from a phone app:
the shares of that account (here, and of a trainer on another node) stay out of the
follower's home, their own posts do not; `showing_reblogs` in the Relationship says so; the
choice is changed by following again with `reblogs=true`, and a new follow starts with the
shares shown. Other followers, and other followed accounts, are untouched."""

from __future__ import annotations

import httpx
from mastodon import Mastodon

from tests.conftest import NodeFactory
from tests.integration.test_web_push import app_token, client
from tests.support.mastodon_app import call
from tests.support.nodes import settle


async def home(api: Mastodon) -> list[str]:
    """Who put what in the home timeline: `sharer shared: text`, or `author: text`."""
    return sorted(
        f"{s.account.username} shared: {s.reblog.content}"
        if s.reblog
        else f"{s.account.username}: {s.content}"
        for s in await call(api.timeline_home)
    )


async def test_the_shares_of_an_account_followed_without_reblogs_stay_out_of_home(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    for name in ("maria", "rita", "ana", "pia"):
        await a.create_user(name)
    await b.create_user("joao")
    maria, rita, ana, pia = [
        client(a, (await app_token(a, n))[0]) for n in ("maria", "rita", "ana", "pia")
    ]
    joao = client(b, (await app_token(b, "joao"))[0])

    rita_id = (await call(maria.account_lookup, "rita")).id
    followed = await call(maria.account_follow, rita_id, reblogs=False)
    assert followed.following and not followed.showing_reblogs
    ana_id = (await call(maria.account_lookup, "ana")).id
    assert (await call(maria.account_follow, ana_id)).showing_reblogs
    far = (await call(maria.search_v2, f"@joao@{b.domain}", resolve=True)).accounts[0]
    assert not (await call(maria.account_follow, far.id, reblogs=False)).showing_reblogs
    await call(ana.account_follow, rita_id)  # ana keeps rita's shares
    await settle(a, b)

    post = await call(pia.status_post, "Torque chart for M8 bolts")
    await call(rita.status_post, "Workshop closed on Friday")
    await call(rita.status_reblog, post.id)
    await call(ana.status_reblog, post.id)
    far_post = await call(joao.status_post, "Brazing: flux or no flux?")
    await call(joao.status_reblog, far_post.id)  # joao shares his own, as people do
    await settle(a, b)
    assert await home(maria) == [
        "ana shared: <p>Torque chart for M8 bolts</p>",
        "joao: <p>Brazing: flux or no flux?</p>",
        "rita: <p>Workshop closed on Friday</p>",
    ]
    assert "rita shared: <p>Torque chart for M8 bolts</p>" in await home(ana)
    [rita_seen, ana_seen, joao_seen] = await call(
        maria.account_relationships, [rita_id, ana_id, far.id]
    )
    assert (rita_seen.showing_reblogs, ana_seen.showing_reblogs) == (False, True)
    assert not joao_seen.showing_reblogs and joao_seen.following

    # She changes her mind about rita: following again with reblogs=true shows them.
    assert (await call(maria.account_follow, rita_id, reblogs=True)).showing_reblogs
    assert "rita shared: <p>Torque chart for M8 bolts</p>" in await home(maria)
    # Following again without saying (Mastodon.py always says) leaves the choice as it is.
    await call(maria.account_follow, rita_id, reblogs=False)
    bearer = {"Authorization": f"Bearer {maria.access_token}"}
    async with httpx.AsyncClient(base_url=a.base, headers=bearer) as http:
        again = await http.post(f"/api/v1/accounts/{rita_id}/follow")
    assert again.status_code == 200 and again.json()["showing_reblogs"] is False
    # After an unfollow, a new follow shows the shares again.
    assert not (await call(maria.account_unfollow, rita_id)).showing_reblogs
    assert (await call(maria.account_follow, rita_id)).showing_reblogs
    assert "rita shared: <p>Torque chart for M8 bolts</p>" in await home(maria)
