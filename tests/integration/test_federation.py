"""Two and three real nodes on loopback: follow, post, edit, delete, visibility."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from compagnon.storage.models import Follow, Object
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle

AP = "application/activity+json"


async def follow_accepted(follower: Node, followee: Node, who: str, whom: str) -> None:
    await follower.follow(who, f"{whom}@{followee.domain}")
    await settle(follower, followee)
    async with follower.sessions() as session:
        states = list((await session.execute(select(Follow.state))).scalars())
    assert states == ["accepted"]


async def test_follow_by_handle_then_posts_arrive(make_node: NodeFactory, backend: str) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await follow_accepted(b, a, "bruno", "ana")

    note = await a.post("ana", "Welding safety checklist, level 3")
    await settle(a, b)

    copy = await b.object(note.uri)
    assert copy is not None
    assert "Welding safety checklist" in copy.content
    assert copy.visibility == "public"
    async with httpx.AsyncClient() as http:
        followers = (
            await http.get(f"{a.base}/users/ana/followers?page=1", headers={"Accept": AP})
        ).json()
    assert followers["orderedItems"] == [f"{b.base}/users/bruno"]


async def test_edit_and_delete_reach_the_follower(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await follow_accepted(b, a, "bruno", "ana")
    note = await a.post("ana", "First version")
    await settle(a, b)

    await a.edit(note.uri, "Second version")
    await settle(a, b)
    edited = await b.object(note.uri)
    assert edited is not None and "Second version" in edited.content
    assert edited.updated is not None

    await a.delete(note.uri)
    await settle(a, b)
    gone = await b.object(note.uri)
    assert gone is not None and gone.deleted_at is not None and gone.content == ""
    async with httpx.AsyncClient() as http:
        answer = await http.get(note.uri, headers={"Accept": AP})
    assert answer.status_code == 410
    assert answer.json()["type"] == "Tombstone"


async def test_deleted_object_is_never_recreated(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await follow_accepted(b, a, "bruno", "ana")
    note = await a.post("ana", "Short-lived")
    await settle(a, b)
    await a.delete(note.uri)
    await settle(a, b)
    # The original Create, replayed by the origin (a retry, a relay), changes nothing.
    await a.resend_create(note.uri)
    await settle(a, b)
    copy = await b.object(note.uri)
    assert copy is not None and copy.deleted_at is not None and copy.content == ""


async def test_followers_only_post_reaches_followers_only(make_node: NodeFactory) -> None:
    a, b, c = await make_node("a"), await make_node("b"), await make_node("c")
    await a.create_user("ana")
    await b.create_user("bruno")
    await c.create_user("chiara")
    await follow_accepted(b, a, "bruno", "ana")

    note = await a.post("ana", "For my followers", visibility="followers")
    public = await a.post("ana", "For everyone")
    await settle(a, b, c)

    followers_copy = await b.object(note.uri)
    assert followers_copy is not None and followers_copy.visibility == "followers"
    assert await c.object(note.uri) is None
    assert await c.object(public.uri) is None  # c follows nobody: gets nothing at all
    async with httpx.AsyncClient() as http:
        fetched = await http.get(note.uri, headers={"Accept": AP})
    assert fetched.status_code == 404  # not served to anyone who asks


async def test_direct_post_reaches_the_mentioned_only(make_node: NodeFactory) -> None:
    a, b, c = await make_node("a"), await make_node("b"), await make_node("c")
    await a.create_user("ana")
    await b.create_user("bruno")
    await c.create_user("chiara")
    await follow_accepted(b, a, "bruno", "ana")
    note = await a.post(
        "ana",
        f"@chiara@{c.domain} see you in Lisbon",
        visibility="direct",
        mentions=[f"chiara@{c.domain}"],
    )
    await settle(a, b, c)
    assert await b.object(note.uri) is None
    copy = await c.object(note.uri)
    assert copy is not None and copy.visibility == "direct"


async def test_unfollow_stops_delivery(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await follow_accepted(b, a, "bruno", "ana")
    await b.unfollow("bruno", f"{a.base}/users/ana")
    await settle(a, b)
    note = await a.post("ana", "after the unfollow")
    await settle(a, b)
    assert await b.object(note.uri) is None


async def test_manual_approval_keeps_follow_pending(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana", manual=True)
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    async with a.sessions() as session:
        states = list((await session.execute(select(Follow.state))).scalars())
    assert states == ["pending"]
    note = await a.post("ana", "not for pending followers", visibility="followers")
    await settle(a, b)
    assert await b.object(note.uri) is None


async def test_like_and_announce_are_recorded(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await follow_accepted(b, a, "bruno", "ana")
    note = await a.post("ana", "Like me")
    await settle(a, b)
    await b.react("bruno", "Like", note.uri)
    await b.react("bruno", "Announce", note.uri)
    await settle(a, b)
    assert await a.reactions(note.uri) == {"like": 1, "announce": 1}
    async with b.sessions() as session:
        assert await session.scalar(select(Object.id).where(Object.uri == note.uri))


async def test_locked_trainer_approves_a_request_from_the_command_line(
    make_node: NodeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    from compagnon.cli import main

    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    cli = [
        "--database-url",
        a.settings.database_url,
        "--domain",
        a.domain,
        "--scheme",
        "http",
        "--config",
        str(a.settings.data_dir) + "/none.toml",
    ]
    await asyncio.to_thread(main, ["user", "lock", "ana", *cli])
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    await asyncio.to_thread(main, ["follower", "list", "ana", *cli])
    assert f"pending\t@bruno@{b.domain}" in capsys.readouterr().out

    await asyncio.to_thread(main, ["follower", "accept", "ana", f"{b.base}/users/bruno", *cli])
    await settle(a, b)
    async with b.sessions() as session:
        assert list((await session.execute(select(Follow.state))).scalars()) == ["accepted"]
    note = await a.post("ana", "now you may read this", visibility="followers")
    await settle(a, b)
    assert await b.object(note.uri) is not None
    with pytest.raises(SystemExit, match="no pending follow request"):
        await asyncio.to_thread(main, ["follower", "reject", "ana", f"{b.base}/users/bruno", *cli])


async def test_report_reaches_the_moderators_of_the_reported_node(
    make_node: NodeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    from compagnon.cli import main
    from compagnon.federation.outbox import publish
    from compagnon.server.keys import FEDERATION

    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    note = await a.post("ana", "something objectionable")
    ana_on_b = await b.resolve(f"ana@{a.domain}")
    assert b.app is not None
    urls = b.app[FEDERATION].urls
    async with b.sessions.begin() as session:
        from compagnon.storage.queries import actors as actor_queries

        instance = await actor_queries.by_uri(session, urls.instance_actor)
        assert instance is not None
        await publish.report(session, urls, instance, ana_on_b, [note.uri], "<b>Spam</b>, sorry")
    await settle(a, b)
    cli = [
        "--database-url",
        a.settings.database_url,
        "--domain",
        a.domain,
        "--config",
        str(a.settings.data_dir) + "/none.toml",
    ]
    await asyncio.to_thread(main, ["reports", *cli])
    out = capsys.readouterr().out
    assert f"from {b.base}/actor" in out and note.uri in out and "Spam, sorry" in out
