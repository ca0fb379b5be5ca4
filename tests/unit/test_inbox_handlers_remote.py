"""Handlers for what other servers send: Move (account migration), EmojiReact, poll votes, a
group's Announce of a Create, and an actor's Update or Delete of itself (its cached signature
keys dropped at once), on a fresh SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.federation import fetch
from compagnon.federation.context import FederationContext
from compagnon.federation.inbox.handlers import HANDLERS
from compagnon.federation.inbox.handling import Handling, Ignored
from compagnon.federation.inbox.pipeline import row_for
from compagnon.federation.signing.key_cache import KeyCache
from compagnon.federation.signing.signatures import PublicKeyInfo
from compagnon.federation.urls import Urls, host_of
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Activity, Actor, Base, Delivery, Follow, Object, Reaction

OLD = "https://old.example/users/ana"
NEW = "https://new.example/users/ana"


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'h.sqlite3'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


def actor(uri: str, *, local: bool = False, **extra: Any) -> Actor:
    return Actor(
        uri=uri,
        type="Person",
        username=uri.rsplit("/", 1)[-1],
        domain=host_of(uri),
        is_local=local,
        inbox=f"{uri}/inbox",
        followers_url=f"{uri}/followers",
        **extra,
    )


KEYS = KeyCache()  # the process's signature-key cache, as the inbox fills it
Fetch = Callable[[str], Awaitable[dict[str, Any]]]


async def no_network(url: str) -> dict[str, Any]:
    raise fetch.FetchError(url, "no network in unit tests")


def context(fetch_signed: Fetch = no_network) -> FederationContext:
    ctx = SimpleNamespace(
        urls=Urls("https://compagnon.test"), http=None, allow_private=False, keys=KEYS
    )
    ctx.settings = SimpleNamespace(max_body_bytes=1_000_000)
    ctx.instance_signer = lambda: None
    ctx.fetch_signed = fetch_signed  # the handlers' one way to the network, passed in
    return cast(FederationContext, ctx)


async def handle(
    sessions: async_sessionmaker[AsyncSession],
    sender_uri: str,
    activity: dict[str, Any],
    fetch_signed: Fetch = no_network,
) -> str | None:
    """Applies the activity; the Ignored reason, or None when it was applied."""
    async with sessions.begin() as session:
        sender = await session.scalar(select(Actor).where(Actor.uri == sender_uri))
        assert sender is not None
        try:
            async with session.begin_nested():
                handling = Handling(context(fetch_signed), session, sender)
                await HANDLERS[activity["type"]](handling, activity)
        except Ignored as exc:
            return str(exc)
    return None


def move(**extra: Any) -> dict[str, Any]:
    return {
        "id": f"{OLD}#moves/1",
        "type": "Move",
        "actor": OLD,
        "object": OLD,
        "target": NEW,
        **extra,
    }


class Target:
    """The Move target's server as the handler's fetch collaborator answers for it: the actor
    document naming `also_known_as`, or a fetch error when that is None. The whole exchange, over
    real HTTP between nodes, is tests/integration/test_move.py."""

    def __init__(self, also_known_as: list[str] | None) -> None:
        self.also_known_as = also_known_as
        self.fetched: list[str] = []

    async def __call__(self, url: str) -> dict[str, Any]:
        self.fetched.append(url)
        if self.also_known_as is None:
            raise fetch.FetchError(url, "connection refused")
        return {
            "id": url,
            "type": "Person",
            "preferredUsername": "ana",
            "inbox": f"{url}/inbox",
            "summary": "<script>x</script><p>new home</p>",
            "alsoKnownAs": self.also_known_as,
        }


async def test_move_records_it_and_moves_our_followers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    target = Target([OLD])
    async with sessions.begin() as session:
        old, trainer = (
            actor(OLD, raw={"id": OLD}),
            actor("https://compagnon.test/users/t", local=True),
        )
        session.add_all([old, trainer])
        await session.flush()
        session.add(
            Follow(follower_id=trainer.id, followee_id=old.id, activity_uri="f1", state="accepted")
        )
    assert await handle(sessions, OLD, move(), target) is None
    assert target.fetched == [NEW]
    async with sessions() as session:
        old = await session.scalar(select(Actor).where(Actor.uri == OLD))
        new = await session.scalar(select(Actor).where(Actor.uri == NEW))
        assert old is not None and new is not None
        assert old.raw == {"id": OLD, "movedTo": NEW}
        assert new.summary == "<p>new home</p>"  # sanitised when stored
        follows = (await session.scalars(select(Follow))).all()
        assert [(f.followee_id, f.state) for f in follows] == [(new.id, "pending")]
        sent = (await session.scalars(select(Activity).order_by(Activity.id))).all()
        assert [(a.type, a.object_uri) for a in sent] == [("Follow", NEW), ("Undo", "f1")]
        inboxes = sorted((await session.scalars(select(Delivery.inbox))).all())
        assert inboxes == [f"{NEW}/inbox", f"{OLD}/inbox"]
    # Delivered twice: nothing more happens.
    assert await handle(sessions, OLD, move(), target) is None
    async with sessions() as session:
        assert len((await session.scalars(select(Activity))).all()) == 2


@pytest.mark.parametrize(
    ("activity", "aliases", "reason"),
    [
        (move(object="https://old.example/users/someone"), [OLD], "other than the sender"),
        (move(target=None), [OLD], "without a usable target"),
        (move(target=OLD), [OLD], "without a usable target"),
        (move(), ["https://elsewhere.example/u"], "does not name"),
        (move(), None, "cannot be fetched"),
    ],
)
async def test_move_refused(
    sessions: async_sessionmaker[AsyncSession],
    activity: dict[str, Any],
    aliases: list[str] | None,
    reason: str,
) -> None:
    async with sessions.begin() as session:
        session.add(actor(OLD))
    result = await handle(sessions, OLD, activity, Target(aliases))
    assert result is not None and reason in result
    async with sessions() as session:
        old = await session.scalar(select(Actor).where(Actor.uri == OLD))
        assert old is not None and not (old.raw or {}).get("movedTo")


async def test_move_uses_the_cached_target_when_it_cannot_be_fetched(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        session.add_all([actor(OLD), actor(NEW, raw={"id": NEW, "alsoKnownAs": [OLD]})])
    assert await handle(sessions, OLD, move(), Target(None)) is None


async def test_emoji_react_is_a_reaction_and_can_be_undone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    react = {
        "id": f"{OLD}#reactions/2",
        "type": "EmojiReact",
        "actor": OLD,
        "object": "https://compagnon.test/objects/1",
        "content": "👌",
    }
    async with sessions.begin() as session:
        session.add(actor(OLD))
    assert await handle(sessions, OLD, react) is None
    assert await handle(sessions, OLD, react) is None  # idempotent
    async with sessions() as session:
        rows = (await session.scalars(select(Reaction))).all()
        assert [(r.kind, r.object_uri) for r in rows] == [
            ("react", "https://compagnon.test/objects/1")
        ]
    undo = {"id": f"{OLD}#undo/2", "type": "Undo", "actor": OLD, "object": react}
    assert await handle(sessions, OLD, undo) is None
    async with sessions() as session:
        assert not (await session.scalars(select(Reaction))).all()


async def test_a_poll_vote_is_not_a_post_and_counts_only_on_our_questions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    vote = {
        "id": f"{OLD}#votes/1/activity",
        "type": "Create",
        "actor": OLD,
        "object": {
            "id": f"{OLD}#votes/1",
            "type": "Note",
            "name": "orange",
            "attributedTo": OLD,
            "inReplyTo": "https://compagnon.test/objects/poll",
        },
    }
    async with sessions.begin() as session:
        session.add(actor(OLD))
    # No such question here: ignored, and never stored as a post (tests/integration/
    # test_quiz.py counts votes on questions of ours).
    assert await handle(sessions, OLD, vote) == "a vote on a question that is not ours"
    async with sessions() as session:
        assert not (await session.scalars(select(Object))).all()
        assert await session.scalar(select(Reaction)) is None


async def test_a_group_announcing_a_create_boosts_the_post(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = "https://lemmy.example/c/welding"
    announce = {
        "id": "https://lemmy.example/activities/announce/1",
        "type": "Announce",
        "actor": group,
        "object": {
            "id": "https://lemmy.example/activities/create/1",
            "type": "Create",
            "actor": "https://lemmy.example/u/bo",
            "object": {"id": "https://lemmy.example/post/7", "type": "Page"},
        },
    }
    async with sessions.begin() as session:
        session.add(actor(group))
    assert await handle(sessions, group, announce) is None
    async with sessions() as session:
        reaction = await session.scalar(select(Reaction))
        assert reaction is not None and reaction.kind == "announce"
        assert reaction.object_uri == "https://lemmy.example/post/7"


@pytest.mark.parametrize("kind", ["Update", "Delete"])
async def test_an_actor_updating_or_deleting_itself_drops_its_cached_keys(
    sessions: async_sessionmaker[AsyncSession], kind: str
) -> None:
    async with sessions.begin() as session:
        session.add_all([actor(OLD), actor(NEW)])
    KEYS.put(PublicKeyInfo(f"{OLD}#main-key", OLD, cast(Any, "old key")))
    KEYS.put(PublicKeyInfo(f"{NEW}#main-key", NEW, cast(Any, "someone else's")))
    rotated = {
        "id": OLD,
        "type": "Person",
        "preferredUsername": "ana",
        "inbox": f"{OLD}/inbox",
        "publicKey": {"id": f"{OLD}#main-key", "owner": OLD, "publicKeyPem": "new"},
    }
    activity = {"id": f"{OLD}#{kind}", "type": kind, "actor": OLD, "object": rotated}
    if kind == "Delete":
        activity["object"] = OLD
    assert await handle(sessions, OLD, activity) is None
    assert KEYS.get(f"{OLD}#main-key") is None  # the next signature check reads it afresh
    assert KEYS.get(f"{NEW}#main-key") is not None


def test_cached_keys_expire_and_the_oldest_go_first() -> None:
    now = [0.0]
    cache = KeyCache(size=2, seconds=300.0, clock=lambda: now[0])
    for n in range(3):
        cache.put(PublicKeyInfo(f"k{n}", "https://a.example/u", cast(Any, n)))
    assert cache.get("k0") is None and cache.get("k2") is not None  # size bound
    now[0] = 299.0
    assert cache.get("k1") is not None
    now[0] = 301.0
    assert cache.get("k1") is None and cache.get("k2") is None  # five minutes at most


async def test_a_share_whose_undo_arrived_first_is_not_counted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    share = {
        "id": f"{OLD}/statuses/9/activity",
        "type": "Announce",
        "actor": OLD,
        "object": "https://compagnon.test/objects/1",
    }
    undo = {"id": f"{OLD}/statuses/9/undo", "type": "Undo", "actor": OLD, "object": share}
    async with sessions.begin() as session:
        session.add(actor(OLD))
        # The inbox keeps every accepted activity before the worker applies it (row_for).
        session.add(Activity(**{k: v for k, v in row_for(undo).items() if k != "host"}))
    assert await handle(sessions, OLD, undo) == "nothing to undo"
    assert await handle(sessions, OLD, share) == "announce undone before it arrived"
    async with sessions() as session:
        assert not (await session.scalars(select(Reaction))).all()
