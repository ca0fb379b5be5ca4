"""Captured payloads of other implementations, each parsed into the right thing by our code.

Every file under payloads/ (see payloads/SOURCES.md for where each one comes from) is checked:

- actors through ``actor_convert.actor_fields_from_document``: type, username, inbox, shared inbox,
  key id and PEM;
- objects (alone, or embedded in a Create/Update) through ``convert.object_fields_from_note``
  and ``sanitize.sanitize_html``: readable content, language, visibility, reply target, tags,
  title/summary/link of articles, pages and videos, poll options;
- activities through the inbox pipeline's ``parse`` step and the ``HANDLERS`` table, and then
  through the handler itself on a fresh database, with the sender known: what it stores.

A payload our code cannot handle yet is marked ``xfail(strict=True)`` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.config import Settings
from compagnon.federation.actor_convert import ACTOR_TYPES, actor_fields_from_document
from compagnon.federation.context import FederationContext
from compagnon.federation.convert import is_poll_vote, object_fields_from_note, poll_of
from compagnon.federation.inbox.handlers import HANDLERS
from compagnon.federation.inbox.handling import Handling, Ignored
from compagnon.federation.inbox.outcomes import Malformed, Outcome
from compagnon.federation.inbox.pipeline import parse, row_for
from compagnon.federation.jsonld import first_id
from compagnon.federation.sanitize import sanitize_html
from compagnon.federation.signing.key_cache import KeyCache
from compagnon.federation.signing.signatures import load_public_key
from compagnon.federation.urls import Urls, host_of
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Actor, Object, Reaction
from tests.interop.payload_expectations import (
    ACTIVITIES,
    ACTORS,
    KNOWN_GAPS,
    LOCKED,
    OBJECTS,
    SETUP,
)

pytestmark = pytest.mark.interop

PAYLOADS = Path(__file__).parent / "payloads"
FILES = sorted(p.relative_to(PAYLOADS).as_posix() for p in PAYLOADS.rglob("*.json"))


def load(name: str) -> dict[str, Any]:
    doc = json.loads((PAYLOADS / name).read_text())
    assert isinstance(doc, dict)
    return doc


def kind_of(name: str) -> str:
    doc_type = load(name).get("type")
    if doc_type in ACTOR_TYPES:
        return "actor"
    return "activity" if name in ACTIVITIES else "object"


def xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(reason=reason, strict=True)


# --- actors ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACTORS))
def test_actor(name: str) -> None:
    doc = load(name)
    actor_type, username, shared_inbox, key_id, usable_key = ACTORS[name]
    fields = actor_fields_from_document(doc)
    assert fields["type"] == actor_type
    assert fields["uri"] == doc["id"]
    assert fields["username"] == username
    assert fields["domain"] == host_of(doc["id"])
    assert fields["inbox"] == doc["inbox"] and fields["inbox"].startswith("http")
    assert fields["shared_inbox"] == shared_inbox
    assert fields["public_key_id"] == key_id
    assert fields["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert fields["manually_approves_followers"] is (name in LOCKED)
    assert fields["raw"] is doc  # everything else (alsoKnownAs, movedTo, fields) is kept
    if usable_key:
        load_public_key(fields["public_key_pem"])
    else:
        with pytest.raises(ValueError):
            load_public_key(fields["public_key_pem"])


def test_moved_actor_keeps_its_aliases() -> None:
    fields = actor_fields_from_document(load("gotosocial/actor_moved.json"))
    assert fields["raw"]["movedTo"].startswith("http")
    assert fields["raw"]["alsoKnownAs"]


# --- objects -----------------------------------------------------------------------------


def embedded_object(name: str) -> dict[str, Any]:
    doc = load(name)
    obj = doc.get("object") if doc.get("type") in ("Create", "Update") else doc
    assert isinstance(obj, dict), f"{name} embeds no object"
    return obj


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_object(name: str) -> None:
    expect = OBJECTS[name]
    doc = embedded_object(name)
    fields = object_fields_from_note(doc, followers_url="")
    content = sanitize_html(fields["content"])
    assert fields["uri"] == doc["id"]
    assert fields["type"] == expect.type
    assert fields["visibility"] == expect.visibility
    assert fields["language"] == expect.language
    assert (fields["in_reply_to"] is not None) is expect.reply
    assert fields["name"] == expect.name
    if expect.url is not None:
        assert fields["url"] == expect.url
    assert content.strip(), "nothing readable"
    assert "<script" not in content and "<!--" not in content
    for piece in expect.contains:
        assert piece in content, f"{piece!r} not in {content[:600]!r}"
    tags = {f"{t['type']} {t['name']}" for t in fields["recipients"]["tag"]}
    assert set(expect.tags) <= tags, tags
    assert (
        fields["recipients"]["to"]
        or expect.visibility == "direct"
        or name.endswith("question_anyof.json")
    )
    poll = poll_of(doc)
    if expect.options:
        assert poll is not None and [o["name"] for o in poll["options"]] == list(expect.options)
    else:
        assert poll is None


def test_poll_vote_is_not_a_post() -> None:
    vote = embedded_object("gotosocial/create_poll_vote.json")
    assert is_poll_vote(vote)
    assert not any(is_poll_vote(embedded_object(n)) for n in OBJECTS)


# --- activities --------------------------------------------------------------------------


def _marked(names: list[str]) -> list[Any]:
    return [pytest.param(n, marks=xfail(KNOWN_GAPS[n])) if n in KNOWN_GAPS else n for n in names]


def test_every_payload_is_checked() -> None:
    """A new fixture must be given expectations: none is silently left out."""
    covered = set(ACTORS) | set(OBJECTS) | set(ACTIVITIES)
    standalone_objects = {n for n in FILES if kind_of(n) == "object"}
    assert set(FILES) == covered | standalone_objects
    assert standalone_objects <= set(OBJECTS)
    assert {n for n in FILES if kind_of(n) == "actor"} == set(ACTORS)
    assert len(FILES) >= 40
    for name in FILES:
        assert (PAYLOADS / "SOURCES.md").read_text().count(f"`{name.split('/', 1)[1]}`"), name


@pytest.mark.parametrize("name", _marked(sorted(ACTIVITIES)))
def test_activity_parses_and_maps_to_its_handler(name: str) -> None:
    expected_handler, _ = ACTIVITIES[name]
    result = parse((PAYLOADS / name).read_bytes())
    assert not isinstance(result, Outcome), result
    row = row_for(result)
    assert row["type"] == result["type"] and row["actor_uri"] == first_id(result["actor"])
    handler = HANDLERS.get(result["type"])
    assert (handler.__name__ if handler else None) == expected_handler


def test_a_malformed_body_is_refused() -> None:
    assert isinstance(parse(b"[]"), Malformed)


# --- handlers, on a database -------------------------------------------------------------


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'payloads.sqlite3'}")
    # Migrated, not create_all: the full-text index (raw DDL) is there, as on a node (polls
    # are indexed for search).
    await upgrade(engine)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


def _sender_row(uri: str) -> Actor:
    return Actor(
        uri=uri,
        type="Person",
        username=uri.rstrip("/").rsplit("/", 1)[-1] or "x",
        domain=host_of(uri),
        inbox=f"{uri}/inbox",
        followers_url=f"{uri}/followers",
    )


def _fake_context(fetch_signed: Callable[[str], Awaitable[dict[str, Any]]]) -> FederationContext:
    urls = Urls("https://compagnon.test")
    ctx = SimpleNamespace(urls=urls, http=None, allow_private=False, keys=KeyCache())
    ctx.settings = Settings(max_body_bytes=1_000_000)  # every setting, at its default
    ctx.instance_signer = lambda: None
    ctx.fetch_signed = fetch_signed  # the handlers' one way to the network, passed in
    return cast(FederationContext, ctx)


Apply = Callable[[str], Awaitable[str]]


@pytest.fixture
def apply(sessions: async_sessionmaker[AsyncSession]) -> Apply:
    """Runs a fixture's handler with its sender known; answers what happened (see ACTIVITIES)."""

    async def target_document(url: str) -> dict[str, Any]:
        # A Move's target as it answers once the move is set up: it names the mover. (Across
        # real nodes over HTTP: tests/integration/test_move.py.)
        movers = [load(n)["actor"] for n in ACTIVITIES if load(n).get("target") == url]
        return {"id": url, "type": "Person", "inbox": f"{url}/inbox", "alsoKnownAs": movers}

    async def run(name: str) -> str:
        parsed = parse((PAYLOADS / name).read_bytes())  # as the inbox would hand it on
        doc = load(name) if isinstance(parsed, Outcome) else parsed
        handler = HANDLERS.get(doc["type"])
        if handler is None:
            return "ignored"
        sender_uri = first_id(doc["actor"]) or ""
        async with sessions.begin() as session:
            sender = await session.scalar(select(Actor).where(Actor.uri == sender_uri))
            if sender is None:
                sender = _sender_row(sender_uri)
                session.add(sender)
                await session.flush()
            try:
                async with session.begin_nested():
                    handling = Handling(_fake_context(target_document), session, sender)
                    await handler(handling, doc)
            except Ignored as exc:
                return f"ignored:{exc}"
        return await _what_happened(sessions, doc, sender_uri)

    return run


async def _what_happened(
    sessions: async_sessionmaker[AsyncSession], doc: dict[str, Any], sender_uri: str
) -> str:
    async with sessions() as session:
        sender = await session.scalar(select(Actor).where(Actor.uri == sender_uri))
        assert sender is not None
        if sender.gone_at is not None:
            return "gone"
        moved_to = sender.raw.get("movedTo") if sender.raw else None
        if moved_to is not None and moved_to == first_id(doc.get("target")):
            return "moved"
        reaction = await session.scalar(select(Reaction).where(Reaction.activity_uri == doc["id"]))
        if reaction is not None:
            return f"reaction:{reaction.kind}:{reaction.object_uri}"
        target = first_id(doc.get("object"))
        stored = await session.scalar(select(Object).where(Object.uri == (target or "")))
        if stored is not None:
            return "tombstone" if stored.deleted_at else f"object:{stored.type}"
        if doc["type"] == "Undo":
            return "removed"
        if doc["type"] == "Update" and sender.name:
            return "profile"
        return "nothing"


@pytest.mark.parametrize("name", _marked(sorted(ACTIVITIES)))
async def test_activity_is_applied(name: str, apply: Apply) -> None:
    expected_handler, expected = ACTIVITIES[name]
    doc = load(name)
    if name in KNOWN_GAPS and "id" not in doc:
        assert not isinstance(parse((PAYLOADS / name).read_bytes()), Outcome)
    handler = HANDLERS.get(doc["type"])
    assert (handler.__name__ if handler else None) == expected_handler
    for earlier in SETUP.get(name, []):
        await apply(earlier)
    outcome = await apply(name)
    if expected.startswith("ignored:"):
        assert outcome.startswith("ignored:") and expected[8:] in outcome, outcome
    else:
        assert outcome == expected, outcome


async def test_created_object_is_stored_readable(
    apply: Apply, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """One full path: a PeerTube-style video and a Mastodon poll become readable rows."""
    assert await apply("mastodon/create_question.json") == "object:Question"
    async with sessions() as session:
        question = await session.scalar(
            select(Object).where(
                Object.uri == embedded_object("mastodon/create_question.json")["id"]
            )
        )
    assert question is not None
    assert "<li>Everyone knows that! (1)</li>" in question.content
    assert question.language == "en" and question.visibility == "public"

    assert await apply("pixelfed/create_note_hashtags_image.json") == "object:Note"
    async with sessions() as session:
        note = await session.scalar(
            select(Object).where(
                Object.uri == embedded_object("pixelfed/create_note_hashtags_image.json")["id"]
            )
        )
    assert note is not None
    assert {t["name"] for t in note.recipients["tag"]} == {
        "#streetphotography",
        "#colorphotography",
    }
    assert 'rel="nofollow noopener noreferrer"' in note.content
