"""AS2 type lists and object lists, read the same everywhere the inbox and its handlers ask
"is this an X?"; a Create of something that is not a post is ignored with its reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.federation.as_types import activity_type, has_type, is_post_like, types_of
from compagnon.federation.convert import tags_of
from compagnon.federation.inbox.handlers import HANDLERS, on_create_many
from compagnon.federation.inbox.handling import Handling, Ignored
from compagnon.federation.inbox.outcomes import Malformed
from compagnon.federation.inbox.pipeline import parse, row_for
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Actor, Base, Follow, Object, Reaction
from tests.unit.test_inbox_handlers_remote import actor, context

ANA = "https://peer.example/users/ana"
TRAINER = "https://compagnon.test/users/t"


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 't.sqlite3'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with create_sessionmaker(engine).begin() as session:
        session.add_all([actor(ANA), actor(TRAINER, local=True)])
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def handle(
    sessions: async_sessionmaker[AsyncSession], activity: dict[str, Any]
) -> str | None:
    """Parsed as the inbox parses it, then applied by the handler its stored type names."""
    parsed = parse(orjson.dumps(activity))
    assert isinstance(parsed, dict), parsed
    kind = row_for(parsed)["type"]
    async with sessions.begin() as session:
        sender = await session.scalar(select(Actor).where(Actor.uri == ANA))
        assert sender is not None
        try:
            async with session.begin_nested():
                await HANDLERS[kind](Handling(context(), session, sender), parsed)
        except Ignored as exc:
            return str(exc)
    return None


def create(obj: Any, kind: Any = "Create", n: int = 1) -> dict[str, Any]:
    return {"id": f"{ANA}/creates/{n}", "type": kind, "actor": ANA, "object": obj}


def note(n: int = 1, kind: Any = "Note", **extra: Any) -> dict[str, Any]:
    return {"id": f"{ANA}/notes/{n}", "type": kind, "attributedTo": ANA, "content": "hi", **extra}


async def objects(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(select(Object.uri, Object.type))
    return {uri: kind for uri, kind in rows}


def test_types_are_read_from_a_string_or_a_list() -> None:
    assert types_of("Create") == ["Create"]
    assert types_of(["Create", 3, None, "", "ext:Thing"]) == ["Create", "ext:Thing"]
    assert types_of({"Create": 1}) == [] and types_of(None) == [] and types_of("") == []
    assert has_type({"type": ["Follow"]}, "Follow") and not has_type("Follow", "Follow")
    assert activity_type({"type": ["ext:Signed", "Announce"]}) == "Announce"
    assert activity_type({"type": ["ext:Only"]}) == "ext:Only"
    assert activity_type({"type": [1, 2]}) is None
    assert is_post_like({"type": ["Note", "LearningResource"]})
    assert is_post_like({"type": ["schema:Thing", "Article"]})
    assert not is_post_like({"type": "Tombstone"}) and not is_post_like({"type": ["Place"]})


@pytest.mark.parametrize(
    ("kind", "stored_as"),
    [("Create", "Create"), (["Create"], "Create"), (["ext:Thing", "Create"], "Create")],
)
def test_the_inbox_parses_type_lists(kind: Any, stored_as: str) -> None:
    parsed = parse(orjson.dumps(create(note(), kind)))
    assert isinstance(parsed, dict) and row_for(parsed)["type"] == stored_as


@pytest.mark.parametrize("kind", [None, [], [1], {"a": "Create"}, ""])
def test_an_activity_without_a_usable_type_is_refused(kind: Any) -> None:
    doc = create(note(), kind)
    parsed = parse(orjson.dumps(doc))
    assert isinstance(parsed, Malformed) and "no type" in parsed.reason


async def test_a_create_typed_as_a_list_stores_its_note(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await handle(sessions, create(note(kind=["Note"]), ["Create"])) is None
    assert await objects(sessions) == {f"{ANA}/notes/1": "Note"}


async def test_a_create_of_several_objects_stores_each_checked_alone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    foreign = {**note(3), "id": "https://elsewhere.example/notes/3"}
    assert await handle(sessions, create([note(1), note(2, "Article", name="T")])) is None
    mixed = create([note(4), foreign, note(5, "Tombstone")], n=2)
    # Alone (the worker's fallback) the good one is kept, the reason logged ...
    assert await handle(sessions, mixed) is None
    # ... and in a batch (the worker's usual path) the reason is the recorded outcome.
    async with sessions.begin() as session:
        sender = await session.scalar(select(Actor).where(Actor.uri == ANA))
        assert sender is not None
        outcomes = await on_create_many(context(), session, [(sender, {**mixed, "id": "x"})])
    assert outcomes == ["2 of 3 objects not stored: the object is not on the sender's host"]
    assert await objects(sessions) == {
        f"{ANA}/notes/1": "Note",
        f"{ANA}/notes/2": "Article",
        f"{ANA}/notes/4": "Note",
    }
    assert await handle(sessions, create([], n=3)) == "the object must be embedded with an id"


@pytest.mark.parametrize(
    "kind", ["Tombstone", "Relationship", "Profile", "Place", "Person", "Collection", ["Link"]]
)
async def test_a_create_of_something_that_is_not_a_post_is_not_stored(
    sessions: async_sessionmaker[AsyncSession], kind: Any
) -> None:
    result = await handle(sessions, create(note(kind=kind)))
    shown = "/".join(kind) if isinstance(kind, list) else kind
    assert result == f"a Create of a {shown} is not a post: not stored"
    assert await objects(sessions) == {}


async def test_undo_of_a_follow_typed_as_a_list(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        ana = await session.scalar(select(Actor).where(Actor.uri == ANA))
        trainer = await session.scalar(select(Actor).where(Actor.uri == TRAINER))
        assert ana is not None and trainer is not None
        session.add(
            Follow(follower_id=ana.id, followee_id=trainer.id, activity_uri="f1", state="accepted")
        )
    undo = {
        "id": f"{ANA}/undo/1",
        "type": ["Undo"],
        "actor": ANA,
        "object": {"id": "f1", "type": ["Follow"], "actor": ANA, "object": TRAINER},
    }
    assert await handle(sessions, undo) is None
    async with sessions() as session:
        assert (await session.scalars(select(Follow))).all() == []


async def test_announce_of_a_create_typed_as_a_list_counts_for_the_post(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    post = "https://compagnon.test/objects/1"
    boost = {
        "id": f"{ANA}/announce/1",
        "type": "Announce",
        "actor": ANA,
        "object": {"id": f"{ANA}/creates/9", "type": ["Create"], "object": post},
    }
    assert await handle(sessions, boost) is None
    async with sessions() as session:
        rows = (await session.scalars(select(Reaction))).all()
    assert [(r.kind, r.object_uri) for r in rows] == [("announce", post)]


def test_tags_typed_as_lists_are_kept() -> None:
    doc = {"tag": [{"type": ["Hashtag"], "name": "brazing"}, {"type": {"x": 1}, "name": "n"}]}
    assert tags_of(doc) == [{"type": "Hashtag", "href": "", "name": "#brazing"}]


def test_tags_typed_as_strings_keep_mentions_and_hashtags_only() -> None:
    doc = {
        "tag": [
            {"type": "Mention", "href": ANA, "name": "@ana"},
            {"type": "Emoji", "name": ":weld:", "href": "https://other.test/e.png"},
            {"type": "Hashtag", "href": "https://other.test/tags/vet", "name": "#vet"},
            {"type": "", "name": "empty"},
        ]
    }
    assert tags_of(doc) == [
        {"type": "Mention", "href": ANA, "name": "@ana"},
        {"type": "Hashtag", "href": "https://other.test/tags/vet", "name": "#vet"},
    ]


def test_catalogue_sync_reads_type_lists_and_imports_only_posts() -> None:
    from compagnon.federation.catalogue_pages import pick_objects

    def created(obj: dict[str, Any], kind: Any = "Create") -> dict[str, Any]:
        return {"id": f"{obj['id']}/activity", "type": kind, "actor": ANA, "object": obj}

    public = {"to": ["https://www.w3.org/ns/activitystreams#Public"]}
    items = [
        created({**note(1), **public}, ["Create"]),
        created({**note(2, ["Article", "ext:X"]), **public}),
        created({**note(3, "Tombstone"), **public}),
        created({**note(4, ["Place"]), **public}),
    ]
    picked = pick_objects(items, ANA, f"{ANA}/followers")
    assert [o["id"] for o in picked.objects] == [f"{ANA}/notes/1", f"{ANA}/notes/2"]
    assert picked.skipped == {"Tombstone is not a post": 1, "Place is not a post": 1}


@pytest.mark.parametrize(
    ("actor_uri", "reason"),
    [
        ("http://[::1", "actor is not an http(s) URL"),  # urlsplit raises on it: was a 500
        ("javascript://peer.example/a", "actor is not an http(s) URL"),
        ("https://peer.example/" + "a" * 2100, "actor id is longer than 2048"),
    ],
)
def test_an_actor_that_is_no_usable_url_is_refused(actor_uri: str, reason: str) -> None:
    doc = {"id": "https://peer.example/1", "type": "Like", "actor": actor_uri, "object": "x"}
    parsed = parse(orjson.dumps(doc))
    assert isinstance(parsed, Malformed) and reason in parsed.reason
