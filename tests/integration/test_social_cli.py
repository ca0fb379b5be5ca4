"""The social commands, against real nodes: reply, like, share and their undo, report,
unfollow, post edit / delete, notifications (README: "What trainers can do")."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from compagnon.cli import main
from compagnon.operations import open_reports
from compagnon.storage.models import Follow, Object
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle


def cli_args(node: Node) -> list[str]:
    s = node.settings
    return [
        "--database-url",
        s.database_url,
        "--domain",
        s.domain,
        "--scheme",
        "http",
        "--data-dir",
        s.data_dir,
        "--allow-private-addresses",
    ]


async def cli(node: Node, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    await asyncio.to_thread(main, [*args, *cli_args(node)])
    return capsys.readouterr().out


async def test_social_commands_reach_the_other_node(
    make_node: NodeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"maria@{a.domain}")
    await settle(a, b)
    post = await a.post("maria", "Bricklaying: the mortar table")
    await settle(a, b)

    assert f"liked: {post.uri}" in await cli(b, capsys, "like", "joao", post.uri)
    assert "nothing to do" in await cli(b, capsys, "like", "joao", post.uri)  # once
    await cli(b, capsys, "share", "joao", post.uri)
    reply_uri = (await cli(b, capsys, "reply", "joao", post.uri, "Thanks!")).strip()
    out = await cli(b, capsys, "report", "joao", post.uri, "--comment", "spam", "--forward")
    assert f"here and at {a.domain}" in out
    await settle(a, b)
    assert await a.reactions(post.uri) == {"like": 1, "announce": 1}
    reply = await a.object(reply_uri)
    assert reply is not None and reply.in_reply_to == post.uri
    assert [r["comment"] for r in await open_reports(a.settings)] == ["spam"]

    await cli(b, capsys, "unlike", "joao", post.uri)
    await cli(b, capsys, "unshare", "joao", post.uri)
    assert "unfollowed" in await cli(b, capsys, "unfollow", "joao", f"maria@{a.domain}")
    await settle(a, b)
    assert await a.reactions(post.uri) == {}
    async with a.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Follow)) == 0

    listed = await cli(a, capsys, "notifications", "maria")
    for kind in ("follow", "like", "share", "reply"):
        assert f"\t{kind}\t{b.base}/users/joao" in listed, kind
    assert listed.startswith("*")  # unread until now
    assert not (await cli(a, capsys, "notifications", "maria")).startswith("*")

    await cli(a, capsys, "post", "edit", "maria", post.uri, "Bricklaying: the mortar table, v2")
    await settle(a, b)
    copy = await b.object(post.uri)
    assert copy is not None and "v2" in copy.content
    with pytest.raises(SystemExit, match="is not a post of joao"):
        await cli(b, capsys, "post", "delete", "joao", post.uri)
    await cli(a, capsys, "post", "delete", "maria", post.uri)
    await settle(a, b)
    async with b.sessions() as session:
        gone = await session.scalar(select(Object.deleted_at).where(Object.uri == post.uri))
    assert gone is not None
