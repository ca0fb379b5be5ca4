"""The account and status calls apps make besides posting, through Mastodon.py over real
HTTP on loopback (sign-in as in tests/support/mastodon_app.py): bookmarks paged by their
Link headers, editing a post (the follower on the other node reads the new text; who liked
it hears of the edit), the edit box's source, the profile changed from an app (the peer sees
the new name), account search by handle through WebFinger; and the hostile calls, answered in
Mastodon's JSON form, never a 500."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from mastodon.errors import MastodonAPIError, MastodonNotFoundError
from PIL import Image
from sqlalchemy import select

from compagnon.storage.models import Actor
from tests.conftest import NodeFactory
from tests.support.mastodon_app import call, sign_in_app
from tests.support.nodes import settle
from tests.support.remote_actor import RemoteActor


def png(side: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side * 2), (200, 80, 20)).save(out, "PNG")
    return out.getvalue()


async def test_bookmarks_are_kept_listed_page_by_page_and_taken_back(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    api, _id, _secret = await sign_in_app(a, "maria")
    rita, _id, _secret = await sign_in_app(a, "rita")
    posts = [await call(api.status_post, f"Checklist {n}") for n in range(5)]
    assert not posts[0].bookmarked
    sent_before = [await a.activities_about(p.uri) for p in posts]
    for post in posts:  # bookmarked oldest first: the list shows the newest bookmark first
        marked = await call(api.status_bookmark, post.id)
        assert marked.bookmarked and marked.id == post.id
    again = await call(api.status_bookmark, posts[0].id)  # twice is once
    assert again.bookmarked

    page = await call(api.bookmarks, limit=2)
    seen = [s.id for s in page]
    assert seen == [posts[4].id, posts[3].id]
    while page:
        page = await call(api.fetch_next, page)
        seen += [s.id for s in page or []]
    assert seen == [p.id for p in reversed(posts)]
    newer = await call(api.bookmarks, limit=10)
    assert all(s.bookmarked for s in newer)

    # Private: rita sees none of maria's bookmarks, on the list or on the statuses.
    assert await call(rita.bookmarks) == []
    assert not (await call(rita.status, posts[1].id)).bookmarked

    unmarked = await call(api.status_unbookmark, posts[1].id)
    assert not unmarked.bookmarked
    assert posts[1].id not in [s.id for s in await call(api.bookmarks, limit=10)]
    assert (await call(api.status, posts[2].id)).bookmarked
    # Nothing of it went anywhere: no activity was made about the statuses.
    assert [await a.activities_about(p.uri) for p in posts] == sent_before


async def test_an_edit_from_an_app_reaches_the_follower_on_another_node(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await a.create_user("rita")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    api, _id, _secret = await sign_in_app(a, "maria")
    post = await call(api.status_post, "Mortar: 1 part cement, 4 parts sand")
    await settle(a, b)
    held = await b.object(post.uri)
    assert held is not None and "4 parts sand" in held.content
    # Rita (here) likes it, joao (there) shares it from his app: both hear of the edit.
    rita, _id, _secret = await sign_in_app(a, "rita")
    await call(rita.status_favourite, post.id)
    joao, _id, _secret = await sign_in_app(b, "joao")
    [seen] = await call(joao.timeline_home)
    await call(joao.status_reblog, seen.id)
    await settle(a, b)

    edited = await call(
        api.status_update,
        post.id,
        "Mortar: 1 part cement, 3 parts sand\n\nWet the bricks first.",
        spoiler_text="Corrected",
    )
    assert edited.id == post.id
    assert "3 parts sand" in edited.content and edited.spoiler_text == "Corrected"
    assert edited.edited_at is not None
    source = await call(api.status_source, post.id)
    assert source.text == "Mortar: 1 part cement, 3 parts sand\n\nWet the bricks first."
    assert source.spoiler_text == "Corrected"
    first, version = await call(api.status_history, post.id)  # the original, then the edit
    assert "4 parts sand" in first.content and first.spoiler_text == ""
    assert "3 parts sand" in version.content and version.spoiler_text == "Corrected"

    await settle(a, b)
    arrived = await b.object(post.uri)
    assert arrived is not None
    assert "3 parts sand" in arrived.content and "Wet the bricks first." in arrived.content
    assert arrived.summary == "Corrected" and arrived.updated is not None

    # The follower's app shows the edited text, as it arrived.
    [home] = await call(joao.timeline_home)
    assert "3 parts sand" in home.content and home.edited_at is not None
    [update] = [n for n in await call(joao.notifications) if n.type == "update"]
    assert update.status.uri == post.uri and update.account.acct == f"maria@{a.domain}"
    [update] = [n for n in await call(rita.notifications) if n.type == "update"]
    assert update.status.id == post.id and "3 parts sand" in update.status.content


async def test_an_app_changes_the_profile_and_the_peer_sees_it(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    api, _id, _secret = await sign_in_app(a, "maria")

    me = await call(
        api.account_update_credentials,
        display_name="Maria Sousa",
        note="Welding trainer, Porto",
        avatar=io.BytesIO(png()),
        avatar_mime_type="image/png",
        locked=True,
        default_language="pt",
    )
    assert me.display_name == "Maria Sousa" and "Welding trainer, Porto" in me.note
    assert me.locked and me.source.note == "Welding trainer, Porto"
    assert me.source.language == "pt"
    assert "/media/" in me.avatar
    async with httpx.AsyncClient() as http:
        picture = await http.get(me.avatar)
    assert picture.status_code == 200
    with Image.open(io.BytesIO(picture.content)) as image:  # square, as the page makes it
        assert image.format == "WEBP" and image.width == image.height == 64
    assert (await call(api.account_verify_credentials)).display_name == "Maria Sousa"

    # Consent (indexable / discoverable) is the node's own setting, and goes back too.
    me = await call(api.account_update_credentials, indexable=False, discoverable=False)
    assert not me.indexable and not me.discoverable and me.display_name == "Maria Sousa"
    me = await call(api.account_update_credentials, indexable=True, discoverable=True)
    assert me.indexable and me.discoverable

    await settle(a, b)
    async with b.sessions() as session:
        seen = await session.scalar(select(Actor).where(Actor.uri == me.uri))
    assert seen is not None and seen.name == "Maria Sousa"
    assert "Welding trainer, Porto" in seen.summary
    assert seen.manually_approves_followers and seen.icon_url == me.avatar


async def test_account_search_finds_a_remote_trainer_by_handle(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    api, _id, _secret = await sign_in_app(a, "maria")
    handle = f"joao@{b.domain}"
    assert await call(api.account_search, handle) == []  # not known here, not resolved
    [found] = await call(api.account_search, handle, resolve=True)
    assert found.acct == handle and found.username == "joao"
    # Known now: found by name without WebFinger, and through lookup.
    assert [x.acct for x in await call(api.account_search, "joao")] == [handle]
    assert (await call(api.account_lookup, handle)).id == found.id
    assert [x.acct for x in await call(api.account_search, "mar", limit=5)] == ["maria"]

    await b.post("joao", "Bricklaying: mortar ratios")
    await call(api.account_follow, found.id)
    await settle(a, b)
    assert [s.content for s in await call(api.account_statuses, found.id)] == [
        "<p>Bricklaying: mortar ratios</p>"
    ]
    assert await call(api.account_statuses, found.id, only_media=True) == []
    assert await call(api.account_statuses, found.id, pinned=True) == []


async def test_hostile_edits_and_profile_changes_are_refused_in_mastodons_form(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    await a.create_user("rita")
    api, _id, _secret = await sign_in_app(a, "maria")
    rita, _id, _secret = await sign_in_app(a, "rita")
    hers = await call(rita.status_post, "Rita's checklist")
    mine = await call(api.status_post, "Maria's checklist")
    private = await call(rita.status_post, "Only for followers", visibility="private")

    with pytest.raises(MastodonAPIError) as refused:
        await call(api.status_update, hers.id, "Not yours")
    assert refused.value.args[1] == 403
    with pytest.raises(MastodonNotFoundError):  # cannot be read: it is not there
        await call(api.status_update, private.id, "Not yours")
    with pytest.raises(MastodonNotFoundError):
        await call(api.status_update, "99999999", "Nowhere")
    assert "Not yours" not in (await call(rita.status, hers.id)).content

    bearer = {"Authorization": f"Bearer {api.access_token}"}
    async with httpx.AsyncClient(base_url=a.base, headers=bearer) as http:

        async def refused_with(status: int, answer: httpx.Response) -> None:
            assert answer.status_code == status, answer.text
            assert set(answer.json()) <= {"error", "error_description"}

        where = f"/api/v1/statuses/{mine.id}"
        await refused_with(422, await http.put(where, data={"status": "x" * 5001}))
        await refused_with(422, await http.put(where, data={"status": "   "}))
        await refused_with(422, await http.put(where, data={"status": "ok", "language": "1-@"}))
        await refused_with(
            422, await http.put(where, data={"status": "ok", "spoiler_text": "s" * 501})
        )
        await refused_with(
            422, await http.put(where, content=b"{", headers={"Content-Type": "application/json"})
        )
        await refused_with(404, await http.put("/api/v1/statuses/abc", data={"status": "ok"}))
        await refused_with(404, await http.get(f"/api/v1/statuses/{private.id}/source"))
        await refused_with(400, await http.get("/api/v1/bookmarks?max_id=x"))
        await refused_with(404, await http.post("/api/v1/statuses/123456789/bookmark"))
        await refused_with(400, await http.get("/api/v1/accounts/search"))
        await refused_with(400, await http.get("/api/v1/accounts/search?q=a&limit=-1"))

        creds = "/api/v1/accounts/update_credentials"
        await refused_with(422, await http.patch(creds, data={"display_name": "n" * 101}))
        await refused_with(422, await http.patch(creds, data={"note": "n" * 2001}))
        await refused_with(422, await http.patch(creds, data={"source[language]": "xx"}))
        await refused_with(422, await http.patch(creds, data={"display_name": "n" * 20_000}))
        not_a_picture = {"avatar": ("a.png", b"GIF89a but not really", "image/png")}
        await refused_with(422, await http.patch(creds, files=not_a_picture))
        # A multipart body whose closing boundary never comes.
        broken = b'--xyz\r\nContent-Disposition: form-data; name="display_name"\r\n\r\nMaria'
        await refused_with(
            422,
            await http.patch(
                creds,
                content=broken,
                headers={"Content-Type": "multipart/form-data; boundary=xyz"},
            ),
        )
        no_boundary = await http.patch(
            creds, content=b"hello", headers={"Content-Type": "multipart/form-data"}
        )
        await refused_with(422, no_boundary)
    # Nothing of it changed the profile.
    me = await call(api.account_verify_credentials)
    assert me.display_name == "maria" and me.note == ""


async def test_profile_fields_set_from_an_app_reach_the_peer_and_the_pages(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend), await make_node("b", backend)
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    api, _id, _secret = await sign_in_app(a, "maria")
    fields = [
        ("Workshop", "Hall B,\nLyon"),
        ("Site", "https://cfp.example.org/welding"),
        ("Tools", "<b>TIG</b> & MIG"),
    ]
    me = await call(api.account_update_credentials, fields=fields)
    site = (
        '<a href="https://cfp.example.org/welding" target="_blank" '
        'rel="nofollow noopener noreferrer">https://cfp.example.org/welding</a>'
    )
    shown = [
        ("Workshop", "Hall B, Lyon"),
        ("Site", site),
        ("Tools", "&lt;b&gt;TIG&lt;/b&gt; &amp; MIG"),
    ]
    assert [(f.name, f.value) for f in me.fields] == shown
    assert [(f.name, f.value) for f in me.source.fields] == [
        ("Workshop", "Hall B, Lyon"),
        *fields[1:],
    ]
    assert [(f.name, f.value) for f in (await call(api.me)).fields] == shown

    # On the wire as Mastodon writes them: PropertyValues in the actor's `attachment`.
    async with httpx.AsyncClient() as http:
        doc = (await http.get(me.uri, headers={"Accept": "application/activity+json"})).json()
    assert doc["attachment"] == [
        {"type": "PropertyValue", "name": name, "value": value} for name, value in shown
    ]

    # The follower's node got the Update: its app and its page show them.
    await settle(a, b)
    joao, _id, _secret = await sign_in_app(b, "joao")
    seen = await call(joao.account_lookup, f"maria@{a.domain}")
    assert [(f.name, f.value) for f in seen.fields] == shown
    async with httpx.AsyncClient() as http:
        for page in (f"{a.base}/@maria", f"{b.base}/@maria@{a.domain}"):
            html = (await http.get(page)).text
            assert '<dt dir="auto">Workshop</dt><dd dir="auto">Hall B, Lyon</dd>' in html
            assert site in html and "&lt;b&gt;TIG" in html and "<b>TIG" not in html

    # Given again, they replace the old ones; empty pairs are dropped.
    me = await call(api.account_update_credentials, fields=[("Site", "cfp.example.org"), ("", "")])
    assert [(f.name, f.value) for f in me.fields] == [("Site", "cfp.example.org")]
    await settle(a, b)
    seen = await call(joao.account_lookup, f"maria@{a.domain}")
    assert [(f.name, f.value) for f in seen.fields] == [("Site", "cfp.example.org")]

    # As JSON (some apps): a list, or an object by index.
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {api.access_token}"}) as http:
        for body in (
            {"fields_attributes": [{"name": "Site", "value": "cfp.example.org"}]},
            {"fields_attributes": {"1": {"name": "B", "value": "2"}, "0": {"name": "Site"}}},
        ):
            answer = await http.patch(f"{a.base}/api/v1/accounts/update_credentials", json=body)
            assert answer.status_code == 200
    assert [(f["name"], f["value"]) for f in answer.json()["fields"]] == [("Site", ""), ("B", "2")]
    await call(api.account_update_credentials, fields=[("Site", "cfp.example.org")])

    # More than four, or a value past 255 characters: refused, nothing changed.
    for hostile in ([(f"n{i}", "v") for i in range(5)], [("Long", "x" * 256)]):
        with pytest.raises(MastodonAPIError) as refused:
            await call(api.account_update_credentials, fields=hostile)
        assert refused.value.args[1] == 422
    assert [f.name for f in (await call(api.me)).fields] == ["Site"]


class FieldsPeer(RemoteActor):
    """A peer whose profile fields hold what a page must not run, and more of them than any
    server allows."""

    def document(self) -> dict[str, Any]:
        hostile = [
            {
                "type": "PropertyValue",
                "name": "Site<script>alert(1)</script>",
                "value": '<a href="javascript:alert(1)">click</a><script>alert(2)</script> '
                '<a href="https://zoe.example/" rel="me">zoe.example</a>',
            },
            {"type": "Image", "url": "https://zoe.example/a.png"},
            {"type": "PropertyValue", "name": "Trade", "value": "<p>Bakery</p>"},
            {"type": "PropertyValue", "name": ["not", "text"], "value": "x"},
        ]
        filler = [{"type": "PropertyValue", "name": f"n{i}", "value": "v"} for i in range(30)]
        return {**super().document(), "attachment": hostile + filler}


async def test_a_peers_profile_fields_are_read_sanitised(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    api, _id, _secret = await sign_in_app(a, "maria")
    peer = await FieldsPeer().start()
    try:
        [zoe] = (await call(api.search_v2, peer.uri, resolve=True)).accounts
        async with httpx.AsyncClient() as http:
            page = (await http.get(f"{a.base}/@zoe@{zoe.acct.split('@')[1]}")).text
    finally:
        await peer.stop()
    assert len(zoe.fields) == 16  # the first sixteen PropertyValues, nothing else
    first, trade = zoe.fields[0], zoe.fields[1]
    assert first.name == "Site<script>alert(1)</script>"  # a name is text, shown as text
    assert "javascript" not in first.value and "<script" not in first.value
    assert 'href="https://zoe.example/"' in first.value
    assert (trade.name, trade.value) == ("Trade", "<p>Bakery</p>")
    assert "alert(" not in page.replace("Site&lt;script&gt;alert(1)&lt;/script&gt;", "")
    assert "Site&lt;script&gt;" in page
    assert 'href="https://zoe.example/"' in page
