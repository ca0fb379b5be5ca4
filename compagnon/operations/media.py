"""The media library from the command line: add a file for a trainer (`compagnon media add`)
and list what is stored (`media list`), through the same store and checks as the web."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from compagnon.config import Settings
from compagnon.media import library
from compagnon.media.store import MediaError, StoredMedia
from compagnon.media.stores import open_media_store
from compagnon.operations import OperationError, _local_actor, database
from compagnon.storage.queries import media as media_queries


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as fh:
        while chunk := await asyncio.to_thread(fh.read, 1 << 20):
            yield chunk


def media_row(settings: Settings, media: StoredMedia, uploader: str | None) -> dict[str, Any]:
    thumbnail = media.thumbnail_url_path
    return {
        "url": settings.base_url + media.url_path,
        "sha256": media.sha256,
        "type": media.media_type,
        "size": media.size,
        "name": media.name,
        "thumbnail": settings.base_url + thumbnail if thumbnail else None,
        "uploader": uploader,
    }


async def media_add(settings: Settings, username: str, path: Path) -> dict[str, Any]:
    """Store a file as if USER had uploaded it (same checks, same size limit)."""
    async with database(settings) as sessions, open_media_store(settings) as store:
        async with sessions() as session:
            actor = await _local_actor(session, username)
        try:
            media, is_new = await library.add(
                sessions,
                store,
                file_chunks(path),
                name=path.name,
                uploader_id=actor.id,
                max_bytes=settings.max_upload_bytes,
            )
        except MediaError as exc:
            raise OperationError(str(exc)) from None
    return {**media_row(settings, media, username), "new": is_new}


async def media_list(settings: Settings, limit: int = 100) -> list[dict[str, Any]]:
    async with database(settings) as sessions, sessions() as session:
        rows = await media_queries.recent(session, limit)
    return [media_row(settings, library.stored(row), uploader) for row, uploader in rows]
