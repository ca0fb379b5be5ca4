"""Captured payloads of other implementations, each parsed into the right thing by our code.

Every file under payloads/ (see payloads/SOURCES.md for where each one comes from) is checked:

- actors through ``convert.actor_fields_from_document``: type, username, inbox, shared inbox,
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

from compagnon.federation import fetch
from compagnon.federation.context import FederationContext
from compagnon.federation.convert import (
    ACTOR_TYPES,
    actor_fields_from_document,
    is_poll_vote,
    object_fields_from_note,
    poll_of,
)
from compagnon.federation.inbox.handlers import HANDLERS, Handling, Ignored
from compagnon.federation.inbox.outcomes import Malformed, Outcome
from compagnon.federation.inbox.pipeline import parse, row_for
from compagnon.federation.jsonld import first_id
from compagnon.federation.sanitize import sanitize_html
from compagnon.federation.signatures import load_public_key
from compagnon.federation.urls import Urls, host_of
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Actor, Base, Object, Reaction

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

# file: (type, username, shared inbox, key id, the PEM is a usable RSA key)
ACTORS: dict[str, tuple[str, str, str | None, str, bool]] = {
    "bovine/actor_application.json": (
        "Application",
        "bovine",
        None,
        "https://mymath.rocks/activitypub/bovine#main-key",
        False,  # the docs elide the key: "-----BEGIN PUBLIC KEY-----....-----END ..."
    ),
    "bridgyfed/actor_service.json": (
        "Service",
        "bsky.brid.gy",
        "https://bsky.brid.gy/ap/sharedInbox",
        "https://bsky.brid.gy/bsky.brid.gy#key",
        False,  # Vernissage's fixture replaced the key with "AAAAA"
    ),
    "fedify/actor_person.json": (
        "Person",
        "alice",
        "http://127.0.0.1:18765/inbox",
        "http://127.0.0.1:18765/users/alice#main-key",
        True,
    ),
    "friendica/actor_organization.json": (
        "Organization",
        "informapirata",
        "https://poliverso.org/inbox",
        "https://poliverso.org/profile/informapirata#main-key",
        True,
    ),
    "gotosocial/actor_application_bot.json": (
        "Application",
        "the_mighty_zork",
        None,
        "http://localhost:8080/users/the_mighty_zork/main-key",
        True,
    ),
    "gotosocial/actor_moved.json": (
        "Person",
        "the_mighty_zork",
        None,
        "http://localhost:8080/users/the_mighty_zork/main-key",
        True,
    ),
    "gotosocial/actor_person.json": (
        "Person",
        "the_mighty_zork",
        None,
        "http://localhost:8080/users/the_mighty_zork/main-key",
        True,
    ),
    "gotosocial/actor_shared_inbox.json": (
        "Person",
        "the_mighty_zork",
        "http://localhost:8080/sharedInbox",
        "http://localhost:8080/users/the_mighty_zork/main-key",
        True,
    ),
    "lemmy/actor_group.json": (
        "Group",
        "tenforward",
        "https://enterprise.lemmy.ml/inbox",
        "https://enterprise.lemmy.ml/c/tenforward#main-key",
        True,
    ),
    "lemmy/actor_instance.json": (
        "Application",
        "enterprise.lemmy.ml",
        None,
        "https://enterprise.lemmy.ml/#main-key",
        True,
    ),
    "lemmy/actor_person.json": (
        "Person",
        "picard",
        "https://enterprise.lemmy.ml/inbox",
        "https://enterprise.lemmy.ml/u/picard#main-key",
        True,
    ),
    "mastodon/actor_person.json": (
        "Person",
        "mastodon",
        "https://masto.qa.urbanwildlife.biz/inbox",
        "https://masto.qa.urbanwildlife.biz/users/mastodon#main-key",
        True,
    ),
    "mastodon/actor_person_spec.json": (
        "Person",
        "foo",
        "https://ap.example.com/inbox",
        "https://ap.example.com/users/foo#main-key",
        True,
    ),
    "misskey/actor_person.json": (
        "Person",
        "aimu",
        "https://misskey.io/inbox",
        "https://misskey.io/users/83ssedkv53#main-key",
        True,
    ),
    "misskey/actor_person_locked.json": (
        "Person",
        "mametsuko",
        "https://mk.absturztau.be/inbox",
        "https://mk.absturztau.be/users/8ozbzjs3o8#main-key",
        True,
    ),
    "peertube/actor_group_channel.json": (
        "Group",
        "thelinuxexperiment_channel",
        "https://tilvids.com/inbox",
        "https://tilvids.com/video-channels/thelinuxexperiment_channel#main-key",
        True,
    ),
    "peertube/actor_person.json": (
        "Person",
        "thelinuxexperiment",
        "https://tilvids.com/inbox",
        "https://tilvids.com/accounts/thelinuxexperiment#main-key",
        True,
    ),
    "pleroma/actor_person.json": (
        "Person",
        "lanodan",
        "https://queer.hacktivis.me/inbox",
        "https://queer.hacktivis.me/users/lanodan#main-key",
        True,
    ),
}
LOCKED = {"misskey/actor_person_locked.json"}


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


class Expect:
    """What object_fields_from_note must give for one object (None: not checked)."""

    def __init__(
        self,
        type_: str,
        visibility: str,
        *,
        language: str | None = None,
        reply: bool = False,
        contains: tuple[str, ...] = (),
        tags: tuple[str, ...] = (),
        name: str = "",
        url: str | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        self.type = type_
        self.visibility = visibility
        self.language = language
        self.reply = reply
        self.contains = contains
        self.tags = tags
        self.name = name
        self.url = url
        self.options = options


# Objects as sent alone, or embedded in the Create/Update of the named file.
OBJECTS: dict[str, Expect] = {
    "bovine/create_note.json": Expect(
        "Note", "public", language="en", contains=("creating test data",)
    ),
    "bovine/create_note_munching_cow.json": Expect("Note", "public", contains=("<p>TEST</p>",)),
    "fedify/article.json": Expect(
        "Article",
        "public",
        name="Safe TIG welding",
        contains=(
            "<strong>Safe TIG welding</strong>",
            "Five habits for the workshop.",
            "Long text",
            'href="https://fedify.example/@alice/articles/2"',
        ),
        url="https://fedify.example/@alice/articles/2",
    ),
    "fedify/create_note_mention_hashtag.json": Expect(
        "Note",
        "public",
        language="fr",
        reply=True,
        tags=("Mention @bob@mastodon.example", "Hashtag #welding"),
        contains=('class="mention"', 'href="https://fedify.example/media/1.png"', "A weld seam"),
    ),
    "fedify/create_note_peer.json": Expect(
        "Note", "public", contains=("Hello from Fedify",)
    ),  # "to": "as:Public"
    "fedify/create_question_oneof.json": Expect(
        "Question",
        "public",
        options=("MIG", "TIG"),
        contains=("Which process first?", "<li>MIG (2)</li>", "<li>TIG (1)</li>"),
    ),
    "fedify/update_note.json": Expect("Note", "public", contains=("Edited",)),
    "gotosocial/note_hashtag_emoji_attachment.json": Expect(
        "Note",
        "public",
        language="en",
        tags=("Hashtag #welcome",),
        contains=("hello world!", "Black and white image"),
    ),
    "gotosocial/note_mention_reply.json": Expect(
        "Note",
        "public",  # "to" is a single string
        language="en",
        reply=True,
        tags=("Mention @the_mighty_zork@localhost:8080",),  # "tag" is a single object
        contains=('class="u-url mention"', "welcome to the instance!"),
    ),
    "lemmy/create_page.json": Expect(
        "Page",
        "public",
        language="ko",
        name="test post",
        contains=("<strong>test post</strong>", "test body", "xl8W7FZfk9.jpg"),
    ),
    "lemmy/page.json": Expect(
        "Page",
        "public",
        language="fr",
        name="Post title",
        tags=("Mention @tenforward@enterprise.lemmy.ml",),
        contains=("<strong>Post title</strong>", "This is a post in the /c/tenforward community"),
    ),
    "mastodon/create_note_hashtags_attachment.json": Expect(
        "Note",
        "public",
        language="en",
        tags=("Hashtag #prague", "Hashtag #gdansk", "Hashtag #krakow", "Hashtag #london"),
        contains=('class="mention hashtag"', "f264dc16c1ce2a45.png", "Screenshot from Capture One"),
    ),
    "mastodon/create_question.json": Expect(
        "Question",
        "public",
        language="en",
        options=(
            "Dunno",
            "Everyone knows that!",
            "25 char limit is dumb",
            "I can't even fit a funny",
        ),
        contains=("Why is Tenshi eating a corndog so cute?", "<li>Everyone knows that! (1)</li>"),
    ),
    "mastodon/note_direct.json": Expect(
        "Note",
        "direct",
        language="es",
        reply=True,
        tags=("Mention @nutomic@ds9.lemmy.ml",),
        contains=("444",),
    ),
    "mastodon/note_reply_mention_unlisted.json": Expect(
        "Note",
        "unlisted",
        language="en",
        reply=True,
        tags=("Mention @retiolus@mamot.fr",),
        contains=("never been disappointed by a thinkpad",),
    ),
    "mastodon/question_anyof.json": Expect(
        "Question",
        "direct",  # the docs' example carries no addressing at all
        options=("apple", "orange", "banana"),
        contains=("What should I eat for breakfast today?", "<li>orange (7)</li>"),
    ),
    "mastodon/update_note.json": Expect(
        "Note", "public", language="en", contains=("By updating it",)
    ),
    "misskey/create_note.json": Expect("Note", "public", contains=("meow",)),
    "misskey/note.json": Expect("Note", "public", contains=("Fantia",)),
    "misskey/question_mention.json": Expect(
        "Question",
        "public",
        tags=("Mention @march@marchgenso.me",),
        options=("Working", "Broken af"),
        contains=("How are your notifications now?", "<li>Working (", "<li>Broken af ("),
    ),
    "peertube/note_comment_markdown.json": Expect(
        "Note",
        "public",
        reply=True,
        tags=("Mention @af2@bae.st",),
        contains=("<p>@af2@bae.st idk</p>",),  # markdown text, escaped into a paragraph
    ),
    "peertube/video.json": Expect(
        "Video",
        "public",
        language="en",  # PeerTube's "language": {"identifier": "en"}
        name="Mesa, Wayland & X.org in trouble, Debian leaves X, Facebook blocks Linux: "
        "Linux & Open Source News",
        url="https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1",
        contains=(
            "<strong>Mesa, Wayland &amp; X.org in trouble",
            'href="https://squarespace.com/thelinuxexperiment"',
            'href="https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1"',
        ),
    ),
    "peertube/video_markdown.json": Expect(
        "Video",
        "public",
        language="en",
        name="some title",
        url="https://peertube/videos/watch/some3456-uuid",
        tags=("Hashtag #fosdem", "Hashtag #hare", "Hashtag #kernels"),
        contains=("<strong>some title</strong>", "&gt; huh?<br>", "some3456-uuid</a>"),
    ),
    "pixelfed/create_note_hashtags_image.json": Expect(
        "Note",
        "public",
        tags=("Hashtag #streetphotography", "Hashtag #colorphotography"),
        contains=('class="u-url hashtag"', "YPp7nvccWGSAPcalvb0PvEuDQzcsQZgyCEjsTrFx.jpg"),
    ),
    "pixelfed/create_note_reply_mention.json": Expect(
        "Note",
        "public",
        reply=True,
        tags=("Mention @Alice@gram.social",),  # a single tag object
        contains=("Extra colours!",),
    ),
    "pleroma/create_note.json": Expect(
        "Note",
        "public",
        reply=True,
        tags=("Mention @lanodan@ds9.lemmy.ml",),
        contains=('class="u-url mention"', " test"),
    ),
    "plume/article.json": Expect(
        "Article",
        "public",
        name="This Month in Plume: June 2018",
        tags=("Mention @Trinity", "Mention @kaniini"),
        contains=(
            "<strong>This Month in Plume: June 2018</strong>",
            "<strong>Bug Fixes and Security</strong>",  # <h2> as Mastodon shows headings
            "this-month-in-plume-june-2018/</a>",
        ),
        url="https://baptiste.gelez.xyz/~/PlumeDevelopment/this-month-in-plume-june-2018/",
    ),
    "wordpress/create_article.json": Expect(
        "Article",
        "public",
        name="The end is near: Mastodon plans to drop OStatus support",
        contains=(
            "<strong>The end is near: Mastodon plans to drop OStatus support</strong>",
            "dropping the protocol that it started with",  # the summary
            "The days of OStatus are numbered.",  # the text, WordPress's comments dropped
        ),
        url="https://wedistribute.org/2019/07/mastodon-drops-ostatus/",
    ),
}


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

# file: (handler name or None for "stored raw, marked ignored", what the handler leaves)
# Outcomes: "object:<Type>", "reaction:<kind>:<object uri>", "tombstone", "gone", "moved",
# "removed", "ignored:<words of the reason>".
ACTIVITIES: dict[str, tuple[str | None, str]] = {
    "bovine/create_note.json": ("on_create", "object:Note"),
    "bovine/create_note_munching_cow.json": ("on_create", "object:Note"),
    "bovine/delete_munching_cow.json": ("on_delete", "tombstone"),
    "fedify/announce.json": (
        "on_announce",
        "reaction:announce:https://mastodon.example/users/bob/statuses/9",
    ),
    "fedify/create_note_mention_hashtag.json": ("on_create", "object:Note"),
    "fedify/create_note_peer.json": ("on_create", "object:Note"),
    "fedify/create_question_oneof.json": ("on_create", "object:Question"),
    "fedify/delete_note.json": ("on_delete", "tombstone"),
    "fedify/like.json": ("on_like", "reaction:like:https://mastodon.example/users/bob/statuses/9"),
    "fedify/move.json": ("on_move", "moved"),
    "fedify/undo_like.json": ("on_undo", "removed"),
    "fedify/update_note.json": ("on_update", "ignored:update of an object we do not hold"),
    "gotosocial/announce_followers_only.json": (
        "on_announce",
        "reaction:announce:http://localhost:8080/users/the_mighty_zork/statuses/01FCTA44PW9H1TB328S9AQXKDS",
    ),
    "gotosocial/create_poll_vote.json": (
        "on_create",
        "reaction:vote:http://fossbros-anonymous.io/users/foss_satan/statuses/01HEN2QRFA8H3C6QPN7RD4KSR6",
    ),
    "gotosocial/delete_note_no_id.json": ("on_delete", "tombstone"),
    "gotosocial/flag.json": ("on_flag", "ignored:names nothing of this node"),
    "gotosocial/move.json": ("on_move", "moved"),
    "lemmy/accept_follow.json": ("on_accept", "ignored:is not an actor of this node"),
    "lemmy/announce_create_page.json": (
        "on_announce",
        "reaction:announce:http://enterprise.lemmy.ml/post/7",  # the post, not the Create
    ),
    "lemmy/create_page.json": ("on_create", "object:Page"),
    "lemmy/delete_user.json": ("on_delete", "gone"),
    "lemmy/dislike_page.json": (None, "ignored"),  # we keep no dislikes, as Mastodon
    "lemmy/like_note.json": ("on_like", "reaction:like:http://ds9.lemmy.ml/comment/1"),
    "mastodon/accept_follow.json": ("on_accept", "ignored:is not an actor of this node"),
    "mastodon/announce.json": (
        "on_announce",
        "reaction:announce:http://mastodon.example.org/@admin/99541947525187367",
    ),
    "mastodon/create_note_hashtags_attachment.json": ("on_create", "object:Note"),
    "mastodon/create_question.json": ("on_create", "object:Question"),
    "mastodon/delete_actor.json": ("on_delete", "gone"),
    "mastodon/delete_note_tombstone.json": ("on_delete", "tombstone"),
    "mastodon/flag.json": ("on_flag", "ignored:names nothing of this node"),
    "mastodon/follow.json": ("on_follow", "ignored:is not an actor of this node"),
    "mastodon/like.json": ("on_like", "reaction:like:https://ds9.lemmy.ml/post/147"),
    "mastodon/move.json": ("on_move", "moved"),
    "mastodon/undo_follow.json": ("on_undo", "ignored:is not an actor of this node"),
    "mastodon/undo_like.json": ("on_undo", "ignored:nothing to undo"),
    "mastodon/update_actor.json": ("on_update", "profile"),
    "mastodon/update_note.json": ("on_update", "ignored:update of an object we do not hold"),
    "misskey/create_note.json": ("on_create", "object:Note"),
    "misskey/like_custom_emoji_reaction.json": (
        "on_like",
        "reaction:like:https://pleroma.local.live/objects/89937a53-2692-4631-bb62-770091267391",
    ),
    "pixelfed/announce.json": (
        "on_announce",
        "reaction:announce:https://mastodonapp.uk/@damianward/111322877716364793",
    ),
    "pixelfed/create_note_hashtags_image.json": ("on_create", "object:Note"),
    "pixelfed/create_note_reply_mention.json": ("on_create", "object:Note"),
    "pleroma/create_note.json": ("on_create", "object:Note"),
    "pleroma/delete.json": ("on_delete", "tombstone"),
    "pleroma/emoji_react.json": (
        "on_emoji_react",
        "reaction:react:http://localtesting.pleroma.lol/objects/eb92579d-3417-42a8-8652-2492c2d4f454",
    ),
    "pleroma/follow.json": ("on_follow", "ignored:is not an actor of this node"),
    "peertube/announce_video.json": (
        "on_announce",
        "reaction:announce:https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1",
    ),
    "wordpress/create_article.json": ("on_create", "object:Article"),
}
# Activities applied first, on the same database (an Undo needs what it undoes).
SETUP = {"fedify/undo_like.json": ["fedify/like.json"]}

KNOWN_GAPS: dict[str, str] = {}


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
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
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


def _fake_context() -> FederationContext:
    urls = Urls("https://compagnon.test")
    ctx = SimpleNamespace(urls=urls, http=None, allow_private=False)
    ctx.settings = SimpleNamespace(max_body_bytes=1_000_000)
    ctx.instance_signer = lambda: None
    return cast(FederationContext, ctx)


Apply = Callable[[str], Awaitable[str]]


@pytest.fixture
def apply(sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> Apply:
    """Runs a fixture's handler with its sender known; answers what happened (see ACTIVITIES)."""

    async def target_document(client: object, url: str, **_: object) -> dict[str, Any]:
        # A Move's target as it answers once the move is set up: it names the mover.
        movers = [load(n)["actor"] for n in ACTIVITIES if load(n).get("target") == url]
        return {"id": url, "type": "Person", "inbox": f"{url}/inbox", "alsoKnownAs": movers}

    monkeypatch.setattr(fetch, "fetch_json", target_document)

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
                    await handler(Handling(_fake_context(), session, sender), doc)
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
