"""A trainer's own settings ("My settings", /settings, and `compagnon user set-…`): the profile
(display name, summary, avatar, consent to being listed and indexed), the password, the
interface language.

Each function takes an open session (the caller owns the transaction), so the page
(server/views/settings.py) and the CLI (cli/people.py) run the same code. A profile change
queues an `Update` of the actor to its followers, as the centre's profile does
(operations/admin/centre.py: update_centre); nothing is sent from here.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon import i18n
from compagnon.federation import accounts, profile_fields
from compagnon.federation.actor_convert import to_actor_document
from compagnon.federation.convert import wrap
from compagnon.federation.jsonld import AS_PUBLIC
from compagnon.federation.outbox import publish
from compagnon.federation.sanitize import text_to_html
from compagnon.federation.signing.integrity import with_assertion_method
from compagnon.federation.urls import Urls
from compagnon.handover import records as handover_records
from compagnon.handover import rendered as handover_rendered
from compagnon.i18n import _
from compagnon.media import library
from compagnon.media.store import MediaStore, StoredMedia
from compagnon.storage.models import Activity, Actor, User
from compagnon.storage.queries import actors as actor_queries

MAX_NAME = 100
MAX_SUMMARY = 2000
MIN_PASSWORD = 8
MAX_PASSWORD = 1000
AVATAR_SIDE = 400  # pixels; a larger picture is scaled down (Pillow), a smaller one kept
MAX_AVATAR_BYTES = 5 << 20
AVATAR_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
AVATAR_PIXELS = 50_000_000  # as media/sniff.py: a bigger image is refused unread


@dataclass
class SettingsError(Exception):
    """One message per field that cannot be saved (field name → translated sentence)."""

    problems: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join(self.problems.values())


@dataclass(frozen=True)
class Profile:
    display_name: str
    summary: str
    avatar_url: str | None
    language: str | None
    listed: bool  # consents to being listed, harvested and indexed (domain/consent.py)
    hides_network: bool = False  # whom she follows and who follows her: hers alone


async def account(session: AsyncSession, username: str) -> tuple[User, Actor]:
    user = await actor_queries.user_by_username(session, username.strip().lower())
    if user is None:
        raise SettingsError({"username": _("No account named {name}.", name=username)})
    actor = await session.get(Actor, user.actor_id)
    assert actor is not None
    return user, actor


def profile_of(user: User | None, actor: Actor) -> Profile:
    return Profile(
        display_name=actor.name,
        summary=str((actor.raw or {}).get("summary_text", "")),
        avatar_url=actor.icon_url,
        language=user.language if user is not None else None,
        listed=handover_records.author_consents(actor),
        hides_network=hides_network(actor),
    )


def hides_network(actor: Actor) -> bool:
    """Whether a trainer keeps whom she follows and who follows her to herself (Mastodon's
    `hide_collections`): the lists are shown to her alone, through the apps' API and in her
    followers and following collections; their numbers stay, as Mastodon keeps them. Kept
    with her profile's texts in the actor's `raw`, which for a peer's actor is its document:
    only ours are asked."""
    return actor.is_local and (actor.raw or {}).get("hide_collections") is True


def set_hides_network(actor: Actor, hidden: bool) -> None:
    """No Update goes out for it: peers learn it from the collections themselves."""
    actor.raw = {**(actor.raw or {}), "hide_collections": hidden}


def profile_problems(display_name: str, summary: str) -> dict[str, str]:
    problems = {}
    if len(display_name.strip()) > MAX_NAME:
        problems["display_name"] = _(
            "Display name: at most {n} characters.", n=i18n.format_number(MAX_NAME)
        )
    if len(summary.strip()) > MAX_SUMMARY:
        problems["summary"] = _(
            "About you: at most {n} characters.", n=i18n.format_number(MAX_SUMMARY)
        )
    return problems


async def update_profile(
    session: AsyncSession,
    urls: Urls,
    actor: Actor,
    *,
    display_name: str,
    summary: str,
    avatar_url: str | None = None,
) -> Activity:
    """Change a trainer's display name, summary (plain text, shown as HTML) and, when given,
    avatar; queue an Update of the actor to its followers."""
    problems = profile_problems(display_name, summary)
    if problems:
        raise SettingsError(problems)
    summary = summary.strip()
    if actor.name != display_name.strip():
        await handover_rendered.forget_actor(session, actor.id)  # their OAI metadata names them
    actor.name = display_name.strip()
    actor.summary = text_to_html(summary) if summary else ""
    actor.icon_url = avatar_url or actor.icon_url
    actor.raw = {**(actor.raw or {}), "summary_text": summary}
    return await send_actor_update(session, urls, actor)


def set_fields(actor: Actor, pairs: list[tuple[str, str]]) -> None:
    """Replace a trainer's profile fields with `pairs` (name, value typed as text; a pair
    with neither is dropped), as Mastodon's `fields_attributes` does. The caller sends the
    Update (`update_profile`, or `send_actor_update`)."""
    problems = {}
    kept = [(name, value) for name, value in pairs if name.strip() or value.strip()]
    if len(kept) > profile_fields.MAX_FIELDS:
        problems["fields"] = _(
            "Profile fields: at most {n}.", n=i18n.format_number(profile_fields.MAX_FIELDS)
        )
    elif any(
        len(name.strip()) > profile_fields.MAX_NAME or len(value.strip()) > profile_fields.MAX_VALUE
        for name, value in kept
    ):
        problems["fields"] = _(
            "Profile fields: at most {n} characters in a name or a value.",
            n=i18n.format_number(profile_fields.MAX_VALUE),
        )
    if problems:
        raise SettingsError(problems)
    stored, texts = profile_fields.typed(kept)
    actor.profile_fields = stored or None
    actor.raw = {**(actor.raw or {}), "fields_text": texts}


async def set_consent(
    session: AsyncSession,
    actor: Actor,
    *,
    indexable: bool | None = None,
    discoverable: bool | None = None,
) -> None:
    """A trainer says whether their posts may be indexed and their profile listed (Mastodon's
    `indexable` / `discoverable`; None leaves one as it is). Stored as the actor's columns
    (None: consents, False: does not), and the OAI records, sitemap and export follow at once.
    The caller sends the actor's Update (`send_actor_update`, or `update_profile`)."""
    before = handover_records.author_consents(actor)
    if indexable is not None:
        actor.indexable = None if indexable else False
    if discoverable is not None:
        actor.discoverable = None if discoverable else False
    await handover_records.actor_changed(session, actor, consented_before=before)


async def set_listed(session: AsyncSession, actor: Actor, listed: bool) -> None:
    """The one choice the settings page and `compagnon indexing` offer: both of Mastodon's
    flags follow it, since this node reads either one false as a refusal of all
    (domain/consent.py): `discoverable` (directories, national catalogues) and `indexable`
    (search, harvesters: OAI-PMH, sitemap, feeds, exports). The caller sends the Update."""
    await set_consent(session, actor, indexable=listed, discoverable=listed)


async def send_actor_update(session: AsyncSession, urls: Urls, actor: Actor) -> Activity:
    """Queue an `Update` of a local actor's document to its followers (and the public)."""
    doc = with_assertion_method(to_actor_document(actor, urls), actor)
    update = wrap(
        "Update",
        urls.new_activity(),
        actor.uri,
        doc,
        {"to": [AS_PUBLIC], "cc": [actor.followers_url]},
    )
    return await publish.send(session, actor, update, addressed=[AS_PUBLIC, actor.followers_url])


def change_password(user: User, current: str | None, new: str, again: str | None = None) -> None:
    """Set a new password. `current` is required from the page (None: the CLI, run by the
    node's operator); `again` is the page's confirmation."""
    problems = {}
    if current is not None and not accounts.check_password(user, current):
        problems["current_password"] = _("Current password: this is not your password.")
    if len(new) < MIN_PASSWORD:
        problems["new_password"] = _(
            "New password: at least {n} characters.", n=i18n.format_number(MIN_PASSWORD)
        )
    elif len(new) > MAX_PASSWORD:
        problems["new_password"] = _(
            "New password: at most {n} characters.", n=i18n.format_number(MAX_PASSWORD)
        )
    elif again is not None and again != new:
        problems["new_password_again"] = _("New password again: the two passwords differ.")
    if problems:
        raise SettingsError(problems)
    user.password_hash = accounts.hash_password(new)


def set_language(user: User, code: str) -> str | None:
    """Keep the interface language a person chose ("" or "auto": as the browser asks)."""
    if code.strip().lower() in ("", "auto"):
        user.language = None
        return None
    found = i18n.supported(code)
    if found is None or code.strip().lower() != found:
        choices = ", ".join(i18n.LANGUAGES)
        raise SettingsError({"language": _("Language: choose one of {choices}.", choices=choices)})
    user.language = found
    return found


def avatar_webp(data: bytes) -> bytes:
    """The uploaded picture as a square-cropped WebP of at most AVATAR_SIDE pixels a side,
    turned upright (EXIF); anything Pillow cannot read as a still image is refused."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in AVATAR_FORMATS:
                raise UnidentifiedImageError(image.format)
            if image.width * image.height > AVATAR_PIXELS:
                raise SettingsError({"avatar": _("Avatar: the image is too large.")})
            image.load()
            upright = ImageOps.exif_transpose(image)
            side = min(AVATAR_SIDE, upright.width, upright.height)
            square = ImageOps.fit(upright.convert("RGB"), (side, side))
            out = io.BytesIO()
            square.save(out, "WEBP", quality=85)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise SettingsError(
            {"avatar": _("Avatar: choose an image (PNG, JPEG, GIF or WebP).")}
        ) from None


async def store_avatar(
    sessions: async_sessionmaker[AsyncSession], store: MediaStore, data: bytes, uploader_id: int
) -> StoredMedia:
    """The picture made a square WebP (`avatar_webp`) and kept in the media store, as the
    settings page and the apps' `update_credentials` both do. Raises SettingsError for a
    picture Pillow refuses, MediaError for one the store refuses."""
    picture = avatar_webp(data)

    async def chunks() -> AsyncIterator[bytes]:
        yield picture

    media, _new = await library.add(
        sessions,
        store,
        chunks(),
        name="avatar.webp",
        uploader_id=uploader_id,
        max_bytes=MAX_AVATAR_BYTES,
    )
    return media
