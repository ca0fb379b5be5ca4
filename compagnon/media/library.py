"""Adding a file to the node and finding it again: the store holds the bytes, the `media`
table what they are (type, name, uploader, preview). Used by the upload view and the CLI."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.media import thumbnails
from compagnon.media.store import MediaStore, Source, StoredMedia
from compagnon.storage.models import Media
from compagnon.storage.queries import media as media_queries


def stored(row: Media) -> StoredMedia:
    return StoredMedia(
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        name=row.name,
        thumbnail_sha256=row.thumbnail_sha256,
    )


async def find(session: AsyncSession, sha256: str) -> StoredMedia | None:
    row = await media_queries.by_sha256(session, sha256)
    return None if row is None else stored(row)


async def add(
    sessions: async_sessionmaker[AsyncSession],
    store: MediaStore,
    source: Source,
    *,
    name: str,
    uploader_id: int | None,
    max_bytes: int | None,
) -> tuple[StoredMedia, bool]:
    """Store the file and record it: (what is stored, True when the content is new here).
    Raises store.TooLarge or store.UnsupportedType, having kept nothing."""
    media = await store.put(source, name=name, max_bytes=max_bytes)
    async with sessions() as session:
        known = await find(session, media.sha256)
    if known is not None and (
        known.thumbnail_sha256 or not thumbnails.can_preview(known.media_type)
    ):
        return known, False
    preview = await thumbnails.make(store, media)
    async with sessions.begin() as session:
        if preview is not None:
            await media_queries.record(
                session,
                sha256=preview.sha256,
                size=preview.size,
                media_type=preview.media_type,
                name=preview.name,
                uploader_id=None,
            )
        row, is_new = await media_queries.record(
            session,
            sha256=media.sha256,
            size=media.size,
            media_type=media.media_type,
            name=media.name,
            uploader_id=uploader_id,
            thumbnail_sha256=preview.sha256 if preview else None,
        )
        return stored(row), is_new
