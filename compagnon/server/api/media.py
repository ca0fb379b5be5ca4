"""Media from apps: `POST /api/v2/media` (and v1), `GET` and `PUT /api/v1/media/{id}`, and
the attaching of uploads to a new status (`media_ids[]`).

The bytes go where the web's uploads go (media/library.add: the same store, the same checks
of size, kind and image), so an app can upload nothing the publishing wizard would refuse.
Each upload is a row of `api_media` (Mastodon's MediaAttachment): the uploader's own, with
its alt text, until a status carries it; nobody else can attach it, read it or change it.
On the wire the files are `Document`s whose `name` is the alt text, as Mastodon sends them.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.i18n import _, ngettext
from compagnon.media import library
from compagnon.media.store import MediaStore, StoredMedia, TooLarge, UnsupportedType
from compagnon.server.api import entities
from compagnon.server.api.base import ApiError, api_view, caller, json_answer, me, params
from compagnon.server.keys import MEDIA, SESSIONS, SETTINGS
from compagnon.server.views.media import FILE_FIELD, MALFORMED, MULTIPART_OVERHEAD
from compagnon.storage.models import ApiMedia, Media

MAX_ATTACHMENTS = 4  # Mastodon's limit of files on one status
MAX_DESCRIPTION_CHARS = 1500  # Mastodon's limit of alt text
FIELD_BYTES = 8 * 1024  # a text field of the upload (description, focus) read at most
HEADER_BYTES = 64 * 1024  # what is read of an image to learn its size


def kind_of(media_type: str) -> str:
    """Mastodon's attachment type of a media type."""
    for prefix in ("image", "video", "audio"):
        if media_type.startswith(prefix + "/"):
            return prefix
    return "unknown"


def entity(row: ApiMedia, stored: Media, base: str, size: tuple[int, int] | None) -> dict[str, Any]:
    url = f"{base}/media/{stored.sha256}"
    preview = f"{base}/media/{stored.thumbnail_sha256}" if stored.thumbnail_sha256 else None
    kind = kind_of(stored.media_type)
    return {
        "id": str(row.id),
        "type": kind,
        "url": url,
        "preview_url": preview or (url if kind == "image" else None),
        "remote_url": None,
        "text_url": None,
        "meta": entities.file_meta(*(size or (None, None))),
        "description": row.description or None,
        "blurhash": None,
    }


async def image_size(store: MediaStore, media: StoredMedia | Media) -> tuple[int, int] | None:
    """An image's width and height from its header (Pillow reads no pixels), or None."""
    if kind_of(media.media_type) != "image":
        return None
    try:
        head = await store.read_range(media.sha256, 0, HEADER_BYTES)
    except KeyError:
        return None

    def read() -> tuple[int, int] | None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(io.BytesIO(head)) as image:
                    return image.size
        except Exception:  # a header past the first bytes: no size, the file stands
            return None

    return await asyncio.to_thread(read)


async def _text_field(part: BodyPartReader) -> str:
    data = b""
    while chunk := await part.read_chunk(FIELD_BYTES):
        data += chunk
        if len(data) > FIELD_BYTES:
            raise ApiError(
                422,
                ngettext(
                    "Validation failed: Description is too long (at most {n} character)",
                    "Validation failed: Description is too long (at most {n} characters)",
                    MAX_DESCRIPTION_CHARS,
                ),
            )
    return data.decode("utf-8", "replace").replace("\x00", "").strip()


def checked_description(text: str) -> str:
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise ApiError(
            422,
            ngettext(
                "Validation failed: Description is too long (at most {n} character)",
                "Validation failed: Description is too long (at most {n} characters)",
                MAX_DESCRIPTION_CHARS,
            ),
        )
    return text


@api_view
async def upload(request: web.Request) -> web.StreamResponse:
    """multipart/form-data: `file`, and `description` (before or after it); `focus` and
    `thumbnail` are read and left aside (no cropping, previews are the node's own)."""
    _user, actor = me(await caller(request, "write:media"))
    settings, store = request.app[SETTINGS], request.app[MEDIA]
    limit = settings.max_upload_bytes
    if request.content_length is not None and request.content_length > limit + MULTIPART_OVERHEAD:
        raise ApiError(422, str(TooLarge(limit)))
    if not request.content_type.startswith("multipart/"):
        raise ApiError(422, _("Send the file as multipart/form-data."))
    try:
        reader = await request.multipart()
        stored: StoredMedia | None = None
        description = ""
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == FILE_FIELD and stored is None:
                stored = await _store(request, part, actor.id, limit)
            elif part.name == "description":
                description = checked_description(await _text_field(part))
            else:
                await part.release()  # focus, thumbnail, anything else: read and left
    except MALFORMED:
        raise ApiError(422, _("The upload was malformed or broke off; nothing was kept.")) from None
    if stored is None:
        raise ApiError(422, _("No file was sent (the form field is called “file”)."))
    async with request.app[SESSIONS].begin() as session:
        row = ApiMedia(account_id=actor.id, sha256=stored.sha256, description=description)
        session.add(row)
        await session.flush()
        media_row = await session.scalar(select(Media).where(Media.sha256 == stored.sha256))
        assert media_row is not None
        answer = entity(row, media_row, settings.base_url, await image_size(store, stored))
    return json_answer(answer)


async def _store(
    request: web.Request, part: BodyPartReader, actor_id: int, limit: int
) -> StoredMedia:
    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await part.read_chunk(256 * 1024):
            yield chunk

    try:
        media, _is_new = await library.add(
            request.app[SESSIONS],
            request.app[MEDIA],
            chunks(),
            name=part.filename or "file",
            uploader_id=actor_id,
            max_bytes=limit,
        )
    except (TooLarge, UnsupportedType) as exc:
        raise ApiError(422, _("Validation failed: {why}", why=str(exc))) from None
    return media


async def _own(session: AsyncSession, request: web.Request, account_id: int) -> ApiMedia:
    """The caller's upload not yet posted (Mastodon answers 404 for anyone else's, and for
    one a status already carries: its alt text is then the status's to change)."""
    text = request.match_info["id"]
    row = (
        await session.get(ApiMedia, int(text))
        if text.isascii() and text.isdigit() and len(text) < 19
        else None
    )
    if row is None or row.account_id != account_id or row.object_id is not None:
        raise ApiError(404, _("Record not found"))
    return row


async def _answer(request: web.Request, session: AsyncSession, row: ApiMedia) -> web.Response:
    stored = await session.scalar(select(Media).where(Media.sha256 == row.sha256))
    if stored is None:
        raise ApiError(404, _("Record not found"))
    size = await image_size(request.app[MEDIA], stored)
    return json_answer(entity(row, stored, request.app[SETTINGS].base_url, size))


@api_view
async def get(request: web.Request) -> web.StreamResponse:
    _user, actor = me(await caller(request, "write:media"))
    async with request.app[SESSIONS]() as session:
        return await _answer(request, session, await _own(session, request, actor.id))


@api_view
async def update(request: web.Request) -> web.StreamResponse:
    """`description` changed; `focus` (and a `thumbnail`) accepted and left aside."""
    _user, actor = me(await caller(request, "write:media"))
    given = await params(request)
    async with request.app[SESSIONS].begin() as session:
        row = await _own(session, request, actor.id)
        if "description" in given:
            row.description = checked_description(given["description"].strip())
        return await _answer(request, session, row)


@dataclass(frozen=True)
class Attached:
    """What a new status carries: the upload rows, and the files as AS2 attachments."""

    rows: list[ApiMedia]
    documents: list[dict[str, Any]]

    def belong_to(self, object_id: int) -> None:
        """The uploads now belong to the status (and can be attached to no other)."""
        for row in self.rows:
            row.object_id = object_id


async def attach(
    session: AsyncSession, store: MediaStore, account_id: int, ids: list[str], base: str
) -> Attached:
    """The uploads `ids` of `account_id`, for the status about to be made (the caller then
    calls `belong_to`): 422 for more than four, an unknown id, someone else's, or one
    already posted."""
    if len(ids) > MAX_ATTACHMENTS:
        raise ApiError(
            422,
            ngettext(
                "Validation failed: a status carries at most {n} file",
                "Validation failed: a status carries at most {n} files",
                MAX_ATTACHMENTS,
            ),
        )
    if len(set(ids)) != len(ids):
        raise ApiError(422, _("Validation failed: a file is given twice"))
    attached = Attached([], [])
    for text in ids:
        number = int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None
        row = await session.get(ApiMedia, number) if number is not None else None
        stored = (
            await session.scalar(select(Media).where(Media.sha256 == row.sha256))
            if row is not None and row.account_id == account_id and row.object_id is None
            else None
        )
        if row is None or stored is None:
            raise ApiError(422, _("Validation failed: one of the files is not yours to attach"))
        attached.rows.append(row)
        attached.documents.append(_document(row, stored, base, await image_size(store, stored)))
    return attached


def _document(
    row: ApiMedia, stored: Media, base: str, size: tuple[int, int] | None
) -> dict[str, Any]:
    """One file on the wire, as Mastodon sends it: the alt text is its `name`."""
    item: dict[str, Any] = {
        "type": "Document",
        "mediaType": stored.media_type,
        "url": f"{base}/media/{stored.sha256}",
        "contentSize": str(stored.size),
    }
    if row.description:
        item["name"] = row.description
    if size is not None:
        item["width"], item["height"] = size
    return item
