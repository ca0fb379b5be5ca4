"""Real nodes for integration tests: each on its own loopback port with its own database,
talking real HTTP with real signatures. The worker is driven by hand with run_once()."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from compagnon.config import Settings
from compagnon.federation import accounts
from compagnon.federation.outbox import publish
from compagnon.federation.resolver import Resolver
from compagnon.federation.sanitize import text_to_html
from compagnon.server.app import create_app
from compagnon.server.keys import FEDERATION, SESSIONS, WORKER
from compagnon.server.worker import Report
from compagnon.storage.models import Activity, Actor, Object
from compagnon.storage.queries import actors as actor_queries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _local(session: Any, username: str) -> Actor:
    actor = await actor_queries.local_by_username(session, username)
    assert actor is not None
    return actor


class NodeActions:
    """Edits, deletes and reactions, as the UI or CLI would do them (mixed into Node)."""

    app: web.Application | None
    sessions: Any

    async def edit(self, uri: str, text: str) -> None:
        assert self.app is not None
        async with self.sessions.begin() as session:
            obj = await session.scalar(select(Object).where(Object.uri == uri))
            author = await session.get(Actor, obj.actor_id)
            urls = self.app[FEDERATION].urls
            html = text_to_html(text, tags_base=urls.base)
            await publish.update_note(session, urls, author, obj, html)

    async def delete(self, uri: str) -> None:
        assert self.app is not None
        async with self.sessions.begin() as session:
            obj = await session.scalar(select(Object).where(Object.uri == uri))
            author = await session.get(Actor, obj.actor_id)
            await publish.delete_note(session, self.app[FEDERATION].urls, author, obj)

    async def resend_create(self, uri: str) -> None:
        """Queue the stored Create of `uri` again to every inbox that ever got it."""
        from compagnon.storage.queries import deliveries

        async with self.sessions.begin() as session:
            create = await session.scalar(
                select(Activity).where(Activity.object_uri == uri, Activity.type == "Create")
            )
            rows = await deliveries.for_object(session, uri)
            await session.execute(
                deliveries.Delivery.__table__.delete().where(
                    deliveries.Delivery.activity_id == create.id
                )
            )
            await deliveries.enqueue(session, create.id, [r.inbox for r in rows], uri)

    async def unfollow(self, username: str, actor_uri: str) -> None:
        assert self.app is not None
        async with self.sessions.begin() as session:
            follower = await _local(session, username)
            followee = await actor_queries.by_uri(session, actor_uri)
            assert followee is not None
            await publish.unfollow(session, self.app[FEDERATION].urls, follower, followee)

    async def react(self, username: str, kind: str, uri: str) -> None:
        assert self.app is not None
        async with self.sessions.begin() as session:
            actor = await _local(session, username)
            obj = await session.scalar(select(Object).where(Object.uri == uri))
            author = await session.get(Actor, obj.actor_id)
            await publish.react(session, self.app[FEDERATION].urls, actor, kind, obj, author)

    async def add_remote_follower(self, username: str, actor_uri: str, inbox: str) -> None:
        """Record an accepted follower that lives on a bare test server, not a Compagnon."""
        from compagnon.storage.queries import follows

        async with self.sessions.begin() as session:
            followee = await _local(session, username)
            remote = await actor_queries.upsert_remote(
                session,
                {
                    "uri": actor_uri,
                    "type": "Person",
                    "username": actor_uri.rsplit("/", 1)[-1],
                    "domain": actor_uri.split("/")[2],
                    "inbox": inbox,
                    "shared_inbox": inbox,
                },
            )
            await follows.upsert(session, remote.id, followee.id, f"{actor_uri}#follow", "accepted")

    async def activities_about(self, object_uri: str) -> list[str]:
        """Ids of the stored activities whose object is `object_uri`."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(Activity.uri).where(Activity.object_uri == object_uri)
            )
        return list(rows.scalars())

    async def reactions(self, uri: str) -> dict[str, int]:
        from compagnon.storage.models import Reaction

        async with self.sessions() as session:
            rows = await session.execute(
                select(Reaction.kind, func.count())
                .where(Reaction.object_uri == uri)
                .group_by(Reaction.kind)
            )
        return {kind: int(n) for kind, n in rows}


class Node(NodeActions):
    """One Compagnon node. `start()` and `stop()` may be called again (restart, same DB)."""

    def __init__(self, name: str, database_url: str, data_dir: Path, **overrides: Any) -> None:
        self.name = name
        self.port = free_port()
        defaults: dict[str, Any] = {
            "domain": f"127.0.0.1:{self.port}",  # a test may name another (then ask by port)
            "allow_private_addresses": True,
            "run_worker": False,
        }
        self.settings = Settings(
            scheme="http",
            host="127.0.0.1",
            port=self.port,
            data_dir=str(data_dir),
            database_url=database_url,
            node_name=f"Centre {name}",
            **{**defaults, **overrides},
        )
        self.server: TestServer | None = None
        self.app: web.Application | None = None

    @property
    def base(self) -> str:
        return self.settings.base_url

    @property
    def domain(self) -> str:
        return self.settings.domain

    async def start(self) -> Node:
        self.app = create_app(self.settings, worker_name=f"{self.name}-worker")
        self.server = TestServer(self.app, host="127.0.0.1", port=self.port)
        await self.server.start_server()
        await self.app[WORKER].start()
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()
        self.server = None

    @property
    def sessions(self) -> Any:
        assert self.app is not None
        return self.app[SESSIONS]

    async def run_once(
        self, now: datetime | None = None, max_deliveries: int | None = None
    ) -> Report:
        assert self.app is not None
        return await self.app[WORKER].run_once(max_deliveries=max_deliveries, now=now)

    async def create_user(self, username: str, *, manual: bool = False) -> Actor:
        async with self.sessions.begin() as session:
            user = await accounts.create_user(
                session,
                self.app[FEDERATION].urls,
                username,
                "correct horse battery",  # type: ignore[index]
            )
            actor = await session.get(Actor, user.actor_id)
            assert actor is not None
            actor.manually_approves_followers = manual
            return actor

    async def actor(self, username: str) -> Actor:
        async with self.sessions() as session:
            actor = await actor_queries.local_by_username(session, username)
        assert actor is not None
        return actor

    async def post(
        self,
        username: str,
        text: str,
        visibility: str = "public",
        mentions: list[str] | None = None,
        in_reply_to: str | None = None,
    ) -> Object:
        assert self.app is not None
        ctx = self.app[FEDERATION]
        found = [await Resolver(ctx).find(m) for m in mentions or []]
        async with self.sessions.begin() as session:
            author = await actor_queries.local_by_username(session, username)
            assert author is not None
            return await publish.publish_note(
                session,
                ctx.urls,
                author,
                text_to_html(text, tags_base=ctx.urls.base),
                visibility=visibility,
                mentions=found,
                in_reply_to=in_reply_to,
            )

    async def resolver(self) -> Resolver:
        assert self.app is not None
        return Resolver(self.app[FEDERATION])

    async def resolve(self, handle_or_url: str) -> Actor:
        assert self.app is not None
        return await Resolver(self.app[FEDERATION]).find(handle_or_url)

    async def follow(self, username: str, handle: str) -> None:
        assert self.app is not None
        ctx = self.app[FEDERATION]
        target = await Resolver(ctx).find(handle)
        async with self.sessions.begin() as session:
            follower = await actor_queries.local_by_username(session, username)
            assert follower is not None
            await publish.follow(session, ctx.urls, follower, target)

    async def object(self, uri: str) -> Object | None:
        async with self.sessions() as session:
            return await session.scalar(select(Object).where(Object.uri == uri))

    async def count_activities(self, uri: str) -> int:
        async with self.sessions() as session:
            return int(
                await session.scalar(
                    select(func.count()).select_from(Activity).where(Activity.uri == uri)
                )
                or 0
            )


async def arrival(node: Node, done: Any, *, tries: int = 10, wait: float = 5.0) -> None:
    """Let `node` store what a peer sends in its own time: re-check `done()` (an async
    predicate) after each inbox commit, at most `tries` times, each wait bounded."""
    from compagnon.server.keys import INBOX_WRITER

    assert node.app is not None
    for _ in range(tries):
        await settle(node)
        if await done():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await node.app[INBOX_WRITER].next_commit()
    raise AssertionError(f"nothing arrived at {node.name} after {tries} commits or waits")


async def settle(*nodes: Node, rounds: int = 10, now: datetime | None = None) -> None:
    """Run every node's worker until none has anything left to do (bounded)."""
    for _ in range(rounds):
        reports = [await node.run_once(now=now) for node in nodes if node.server is not None]
        if all(r.idle for r in reports):
            return
    raise AssertionError(f"nodes did not settle in {rounds} rounds")
