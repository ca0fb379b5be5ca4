""" "Notify me when this account posts", end to end on loopback: a trainer rings the bell for a
colleague elsewhere and for one on her own node, from her phone app (Mastodon.py's
`account_follow(notify=True)`); their new posts become `status` notifications for her and for
no other follower, her phone is pushed and decrypts them; a reply to someone else tells her
nothing; `notify=False` stops it. On the web, the bell on a followed profile does the same
for someone without an app."""

from __future__ import annotations

import httpx
from mastodon import Mastodon

from tests.conftest import NodeFactory
from tests.integration.test_web_push import PushService, app_token, client, push_service
from tests.support.mastodon_app import call, hidden_fields
from tests.support.nodes import Node, settle
from tests.support.signin import sign_in

__all__ = ["push_service"]  # the fixture, used here by name


async def statuses(api: Mastodon) -> list[str]:
    """The `status` notifications of the app's account, newest first: who posted what."""
    return [
        f"{n.account.acct}: {n.status.content}" for n in await call(api.notifications)
        if n.type == "status"
    ]  # fmt: skip


async def decrypted(api: Mastodon, push: dict[str, object], private: dict[str, str]) -> object:
    headers = push["headers"]
    assert isinstance(headers, dict)
    return await call(
        api.push_subscription_decrypt_push,
        push["body"],
        private,
        headers["Encryption"],
        headers["Crypto-Key"],
    )


async def test_a_new_post_of_an_account_one_rings_for_is_notified_and_pushed(
    make_node: NodeFactory, push_service: PushService, backend: str
) -> None:
    a, b = await make_node("a", backend), await make_node("b")
    for name in ("maria", "rita", "ana"):
        await a.create_user(name)
    await b.create_user("joao")
    maria = client(a, (await app_token(a, "maria"))[0])
    rita = client(a, (await app_token(a, "rita"))[0])
    ana = client(a, (await app_token(a, "ana"))[0])
    private, public = await call(maria.push_subscription_generate_keys)
    subscription = await call(
        maria.push_subscription_set,
        f"{push_service.base}/push/maria",
        public,
        status_events=True,
        follow_events=False,
    )
    assert subscription.alerts.status

    # maria follows joao (elsewhere) and ana (here) asking to be told; rita follows both
    # without. The bell shows at once, even while joao's node has not accepted yet.
    joao = (await call(maria.search_v2, f"@joao@{b.domain}", resolve=True)).accounts[0]
    asked = await call(maria.account_follow, joao.id, notify=True)
    assert asked.notifying and (asked.requested or asked.following)
    colleague = await call(maria.account_lookup, "ana")
    assert (await call(maria.account_follow, colleague.id, notify=True)).notifying
    rita_joao = (await call(rita.search_v2, f"@joao@{b.domain}", resolve=True)).accounts[0]
    assert not (await call(rita.account_follow, rita_joao.id)).notifying
    assert not (await call(rita.account_follow, colleague.id)).notifying
    await settle(a, b)
    [joao_seen, ana_seen] = await call(maria.account_relationships, [joao.id, colleague.id])
    assert joao_seen.following and joao_seen.notifying
    assert ana_seen.following and ana_seen.notifying
    assert push_service.take() == []  # follows are not pushed: maria turned them off

    # joao posts: maria hears of it in her app and on her phone; rita only reads it at home.
    post = await b.post("joao", "Mortar ratios for the practical exam")
    await settle(a, b)
    assert await statuses(maria) == [
        f"joao@{b.domain}: <p>Mortar ratios for the practical exam</p>"
    ]
    assert await statuses(rita) == []
    assert any("Mortar ratios" in s.content for s in await call(rita.timeline_home))
    [push] = push_service.take()
    payload = await decrypted(maria, push, private)
    assert payload.notification_type == "status"
    assert payload.title == "joao just posted" and "Mortar ratios" in payload.body
    [notification] = await call(maria.notifications, types=["status"])
    assert str(payload.notification_id) == str(notification.id)
    assert notification.status.uri == post.uri

    # ana posts from her app on the same node: maria is told and pushed, rita reads it at home.
    local = await call(ana.status_post, "Welding booth rota for May")
    await settle(a, b)
    assert (await statuses(maria))[0] == "ana: <p>Welding booth rota for May</p>"
    assert await statuses(rita) == []
    assert local.id in [s.id for s in await call(rita.timeline_home)]
    [push] = push_service.take()
    payload = await decrypted(maria, push, private)
    assert payload.notification_type == "status" and payload.title == "ana just posted"

    # A reply to someone else, from joao or from ana, is no news; ana's reply to herself (a
    # thread) is; her direct message to rita tells maria nothing either.
    await b.post(
        "joao", f"@ana@{a.domain} yes, 1:4", mentions=[f"ana@{a.domain}"], in_reply_to=local.uri
    )
    await call(ana.status_post, "Joao, 1:4 or 1:5?", in_reply_to_id=notification.status.id)
    await call(ana.status_post, "Also: bring gloves", in_reply_to_id=local.id)
    await call(ana.status_post, f"@rita@{a.domain} your booth key", visibility="direct")
    await settle(a, b)
    assert [s.split(": ", 1)[1] for s in await statuses(maria)][:2] == [
        "<p>Also: bring gloves</p>",
        "<p>Welding booth rota for May</p>",
    ]
    assert len(push_service.take()) == 1

    # notify=False on the existing follow turns it off: joao's next post tells her nothing.
    assert not (await call(maria.account_follow, joao.id, notify=False)).notifying
    before = len(await statuses(maria))
    await b.post("joao", "Lime or cement?")
    await settle(a, b)
    assert len(await statuses(maria)) == before and push_service.take() == []
    [joao_seen] = await call(maria.account_relationships, [joao.id])
    assert joao_seen.following and not joao_seen.notifying


async def bell(http: httpx.AsyncClient, profile: str) -> str:
    """The bell's state on a profile page: "true" (on) or "false"."""
    page = (await http.get(profile)).text
    form = page.split('action="/follow/notify"', 1)[1].split("</form>", 1)[0]
    return form.split('aria-pressed="', 1)[1].split('"', 1)[0]


async def test_the_bell_on_a_followed_profile_turns_notifications_on_and_off(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    for name in ("maria", "ana"):
        await a.create_user(name)
    await a.follow("maria", f"ana@{a.domain}")
    ana = client(a, (await app_token(a, "ana"))[0])
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": "text/html"}) as http:
        await sign_in(http, "maria")
        assert await bell(http, "/@ana") == "false"
        answer = await http.post("/follow/notify", data=hidden_fields(
            (await http.get("/@ana")).text, "/follow/notify"
        ))  # fmt: skip
        assert answer.status_code == 303 and answer.headers["Location"] == "/@ana"
        assert await bell(http, "/@ana") == "true"
        await call(ana.status_post, "Safety briefing at 8")
        await settle(a)
        page = (await http.get("/notifications")).text
        assert page.count("posted something new") == 1 and ">ana</a> posted" in page

        # Pressed again: off; ana's next post tells maria nothing.
        fields = hidden_fields((await http.get("/@ana")).text, "/follow/notify")
        assert (await http.post("/follow/notify", data=fields)).status_code == 303
        assert await bell(http, "/@ana") == "false"
        await call(ana.status_post, "Lunch at 12")
        await settle(a)
        assert (await http.get("/notifications")).text.count("posted something new") == 1

        # Without the form's token, or for someone not followed, nothing changes.
        refused = await http.post("/follow/notify", data={"actor": fields["actor"], "notify": "on"})
        assert refused.status_code == 403 and await bell(http, "/@ana") == "false"
        me = await a.actor("maria")
        stranger = {**fields, "actor": me.uri, "notify": "on"}
        assert (await http.post("/follow/notify", data=stranger)).status_code == 404
    relationship = await follow_state(a, "maria", "ana")
    assert relationship == "accepted, quiet"


async def follow_state(node: Node, follower: str, followee: str) -> str:
    from compagnon.storage.queries import follows

    one, other = await node.actor(follower), await node.actor(followee)
    async with node.sessions() as session:
        row = await follows.get(session, one.id, other.id)
    assert row is not None
    return f"{row.state}, {'notified' if row.notify else 'quiet'}"
