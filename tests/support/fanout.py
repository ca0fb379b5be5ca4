"""A fan-out queued on a node's database before it starts, and what its queue says after."""

from __future__ import annotations

from sqlalchemy import func, select

from compagnon import operations
from compagnon.config import Settings
from compagnon.federation import accounts
from compagnon.federation.outbox import publish
from compagnon.federation.sanitize import text_to_html
from compagnon.federation.urls import Urls
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Actor, Delivery
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import follows
from tests.support.inboxes import CountingInboxes


async def queue_fan_out(settings: Settings, inboxes: CountingInboxes, posts: int) -> None:
    """A trainer whose followers are the counting inboxes (one host each) and `posts` posts
    published (before the node starts, or with its worker off): posts x inboxes deliveries
    queued, as a trainer publishing through the web form would leave them."""
    urls = Urls(settings.base_url)
    async with operations.database(settings) as sessions, sessions.begin() as session:
        user = await accounts.create_user(session, urls, "ana", "correct horse battery")
        author = await session.get(Actor, user.actor_id)
        assert author is not None
        for port, inbox in zip(inboxes.ports, inboxes.urls, strict=True):
            uri = inboxes.actor_uri(port)
            reader = await actor_queries.upsert_remote(
                session,
                {
                    "uri": uri,
                    "type": "Person",
                    "username": "reader",
                    "domain": f"127.0.0.1:{port}",
                    "inbox": inbox,
                    "shared_inbox": inbox,
                },
            )
            await follows.upsert(session, reader.id, author.id, f"{uri}#follow", "accepted")
        for number in range(posts):
            await publish.publish_note(session, urls, author, text_to_html(f"Post {number}"))


async def delivery_states(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(Delivery.state, func.count()).group_by(Delivery.state)
            )
            return {state: int(n) for state, n in rows}
    finally:
        await engine.dispose()
