"""Files and polls from phone apps, driven by Mastodon.py over real HTTP on loopback: a
picture uploaded with its alt text, the alt text changed, the picture posted and read back
as a follower on another node sees it (the bytes served, the alt text on the wire as the
Document's `name`); a poll posted, voted from the same node and from a peer's app, its
counts, its end heard as a `poll` notification; and what a careless or hostile app sends
(someone else's file, a text file calling itself a PNG, a broken image, too many options)
refused with Mastodon's `{"error": ...}` and a 422, never a 500."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from mastodon.errors import MastodonAPIError, MastodonNotFoundError
from PIL import Image

from tests.conftest import NodeFactory
from tests.support.mastodon_app import call, sign_in_app
from tests.support.nodes import settle


def png(width: int = 32, height: int = 24) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def test_a_picture_with_alt_text_from_an_app(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await a.create_user("rita")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    api, _cid, _secret = await sign_in_app(a, "maria")

    config = (await call(api.instance_v2)).configuration
    assert config.statuses.max_media_attachments == 4
    assert "image/png" in config.media_attachments.supported_mime_types
    assert config.media_attachments.image_size_limit == a.settings.max_upload_bytes

    picture = png()
    uploaded = await call(
        api.media_post, picture, mime_type="image/png", description="A red test card"
    )
    assert uploaded.type == "image" and uploaded.description == "A red test card"
    assert uploaded.meta.original.width == 32 and uploaded.meta.original.height == 24
    assert (await call(api.media, uploaded.id)).url == uploaded.url
    changed = await call(
        api.media_update, uploaded.id, description="Red card, 32 by 24", focus=(0.1, -0.2)
    )
    assert changed.description == "Red card, 32 by 24"

    status = await call(api.status_post, "Today's colour card", media_ids=[uploaded.id])
    [shown] = status.media_attachments
    assert shown.type == "image" and shown.description == "Red card, 32 by 24"
    assert shown.meta.original.width == 32
    async with httpx.AsyncClient() as http:
        served = await http.get(shown.url)
    assert served.status_code == 200 and served.content == picture
    assert served.headers["Content-Type"] == "image/png"
    again = await call(api.status, status.id)
    assert again.media_attachments[0].description == "Red card, 32 by 24"

    # The alt text travels as Mastodon sends it: the Document's name.
    await settle(a, b)
    held = await b.object(status.uri)
    assert held is not None and held.raw is not None
    [document] = held.raw["attachment"]
    assert document["name"] == "Red card, 32 by 24" and document["mediaType"] == "image/png"
    far, _cid, _secret = await sign_in_app(b, "joao")
    [home] = await call(far.timeline_home)
    assert home.media_attachments[0].description == "Red card, 32 by 24"
    assert home.media_attachments[0].url == shown.url

    # Posted files are the status's now: not readable, changeable or attachable again.
    with pytest.raises(MastodonNotFoundError):
        await call(api.media, uploaded.id)
    with pytest.raises(MastodonAPIError) as posted_again:
        await call(api.status_post, "Again", media_ids=[uploaded.id])
    assert posted_again.value.args[1] == 422

    # Someone else's upload is theirs alone.
    other, _cid, _secret = await sign_in_app(a, "rita")
    hers = await call(other.media_post, png(8, 8), mime_type="image/png", description="Mine")
    with pytest.raises(MastodonAPIError) as taken:
        await call(api.status_post, "Not mine", media_ids=[hers.id])
    assert taken.value.args[1] == 422
    with pytest.raises(MastodonNotFoundError):
        await call(api.media, hers.id)
    with pytest.raises(MastodonNotFoundError):
        await call(api.media_update, hers.id, description="changed by maria")
    assert (await call(other.media, hers.id)).description == "Mine"


async def test_hostile_uploads_get_mastodons_422(make_node: NodeFactory) -> None:
    a = await make_node("a", max_upload_bytes=20_000)
    await a.create_user("maria")
    api, _cid, _secret = await sign_in_app(a, "maria")
    headers = {"Authorization": f"Bearer {api.access_token}"}
    cases = {
        "text calling itself a PNG": (b"just some words\n" * 4, "image/png"),
        "empty": (b"", "image/png"),
        "broken PNG": (png()[:40] + b"\x00" * 200, "image/png"),
        "an SVG": (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/svg+xml"),
        "too large": (png(400, 400) + b"\x00" * 30_000, "image/png"),
    }
    async with httpx.AsyncClient(base_url=a.base, headers=headers) as http:
        for why, (body, kind) in cases.items():
            answer = await http.post(
                "/api/v2/media",
                files={"file": ("card.png", body, kind)},
                data={"description": why},
            )
            assert answer.status_code == 422, (why, answer.text)
            assert answer.json()["error"], why
        no_file = await http.post("/api/v2/media", data={"description": "nothing"})
        assert no_file.status_code == 422 and "error" in no_file.json()
        long_text = await http.post(
            "/api/v1/media",
            files={"file": ("card.png", png(), "image/png")},
            data={"description": "x" * 1501},
        )
        assert long_text.status_code == 422 and "error" in long_text.json()
        unknown = await http.get("/api/v1/media/999999")
        assert unknown.status_code == 404 and unknown.json() == {"error": "Record not found"}
        odd = await http.put("/api/v1/media/abc", data={"description": "x"})
        assert odd.status_code == 404
        ids = []
        for n in range(5):
            answer = await http.post(
                "/api/v2/media", files={"file": ("c.png", png(8 + n, 8), "image/png")}
            )
            assert answer.status_code == 200, answer.text
            ids.append(answer.json()["id"])
        five = await http.post("/api/v1/statuses", data={"status": "five", "media_ids[]": ids})
        assert five.status_code == 422 and "error" in five.json()
        bogus = await http.post(
            "/api/v1/statuses", data={"status": "bogus", "media_ids[]": ["x", "-1"]}
        )
        assert bogus.status_code == 422
        # Files without words are a status too, as on Mastodon.
        bare = await http.post("/api/v1/statuses", data={"status": "", "media_ids[]": ids[:2]})
        assert bare.status_code == 200 and len(bare.json()["media_attachments"]) == 2
        read_only = await http.post(
            "/api/v2/media",
            files={"file": ("c.png", png(), "image/png")},
            headers={"Authorization": "Bearer not-a-token"},
        )
        assert read_only.status_code == 401


async def test_a_poll_from_an_app_voted_here_and_from_a_peer(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await a.create_user("rita")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    api, _cid, _secret = await sign_in_app(a, "maria")
    assert (await call(api.instance_v2)).configuration.polls.max_options == 10

    poll = await call(api.make_poll, ["MIG", "TIG", "Stick"], expires_in=600)
    status = await call(api.status_post, "Which process do you teach first?", poll=poll)
    assert status.content == "<p>Which process do you teach first?</p>"
    assert [o.title for o in status.poll.options] == ["MIG", "TIG", "Stick"]
    assert status.poll.votes_count == 0 and not status.poll.expired
    assert status.poll.voted  # the owner sees results, as on Mastodon
    assert status.poll.expires_at is not None

    # A colleague on the same node votes from her app.
    rita, _cid, _secret = await sign_in_app(a, "rita")
    voted = await call(rita.poll_vote, status.poll.id, [1])
    assert voted.voted and voted.own_votes == [1] and voted.votes_count == 1
    with pytest.raises(MastodonAPIError) as twice:
        await call(rita.poll_vote, status.poll.id, [2])
    assert twice.value.args[1] == 422
    with pytest.raises(MastodonAPIError) as nowhere:
        await call(rita.poll_vote, status.poll.id, [7])
    assert nowhere.value.args[1] == 422

    # A follower on the other node votes from his app: the vote goes to maria's node.
    await settle(a, b)
    joao, _cid, _secret = await sign_in_app(b, "joao")
    [far] = await call(joao.timeline_home)
    assert far.poll is not None and [o.title for o in far.poll.options] == ["MIG", "TIG", "Stick"]
    assert not far.poll.voted
    await call(joao.status_favourite, far.id)
    mine = await call(joao.poll_vote, far.poll.id, [0])
    assert mine.voted and mine.own_votes == [0]
    await settle(a, b)
    counted = await call(api.poll, status.poll.id)
    assert [o.votes_count for o in counted.options] == [1, 1, 0]
    assert counted.voters_count == 2

    # It ends: maria and rita here, joao there, each hear of it.
    later = datetime.now(UTC) + timedelta(seconds=900)
    await settle(a, b, now=later)
    await settle(a, b, now=later)
    for app in (api, rita, joao):
        [ended] = await call(app.notifications, types=["poll"])
        assert ended.type == "poll" and ended.status.poll.expired
        assert ended.account.acct in ("maria", f"maria@{a.domain}")
    final = await call(joao.poll, far.poll.id)
    assert final.expired and [o.votes_count for o in final.options] == [1, 1, 0]
    # The Updates that carried new counts edited nothing: joao, who liked it, heard of none.
    assert await call(joao.notifications, types=["update"]) == []


async def test_hostile_polls_get_mastodons_422(make_node: NodeFactory) -> None:
    a = await make_node("a")
    await a.create_user("maria")
    api, _cid, _secret = await sign_in_app(a, "maria")
    headers = {"Authorization": f"Bearer {api.access_token}"}
    picture_id = (await call(api.media_post, png(), mime_type="image/png")).id
    bad = {
        "eleven options": {"options": [f"o{n}" for n in range(11)], "expires_in": 600},
        "one option": {"options": ["alone"], "expires_in": 600},
        "the same option twice": {"options": ["Yes", "yes"], "expires_in": 600},
        "an empty option": {"options": ["Yes", ""], "expires_in": 600},
        "too short": {"options": ["Yes", "No"], "expires_in": 10},
        "too long": {"options": ["Yes", "No"], "expires_in": 400 * 86400},
        "no expiry": {"options": ["Yes", "No"]},
        "an expiry in words": {"options": ["Yes", "No"], "expires_in": "soon"},
    }
    async with httpx.AsyncClient(base_url=a.base, headers=headers) as http:
        for why, poll in bad.items():
            answer = await http.post("/api/v1/statuses", json={"status": why, "poll": poll})
            assert answer.status_code == 422, (why, answer.text)
            assert answer.json()["error"], why
        both = await http.post(
            "/api/v1/statuses",
            json={
                "status": "both",
                "media_ids": [picture_id],
                "poll": {"options": ["Yes", "No"], "expires_in": 600},
            },
        )
        assert both.status_code == 422
        # The form encoding apps also use.
        form = await http.post(
            "/api/v1/statuses",
            data={
                "status": "Form poll",
                "poll[options][]": ["Yes", "No"],
                "poll[expires_in]": "600",
                "poll[multiple]": "true",
            },
        )
        assert form.status_code == 200, form.text
        assert form.json()["poll"]["multiple"] is True
        poll_id = form.json()["poll"]["id"]
        nothing = await http.post(f"/api/v1/polls/{poll_id}/votes", data={})
        assert nothing.status_code == 422
        plain = (await http.post("/api/v1/statuses", data={"status": "no poll"})).json()
        not_a_poll = await http.get(f"/api/v1/polls/{plain['id']}")
        assert not_a_poll.status_code == 404 and "error" in not_a_poll.json()
        gone = await http.delete(f"/api/v1/statuses/{poll_id}")
        assert gone.status_code == 200
