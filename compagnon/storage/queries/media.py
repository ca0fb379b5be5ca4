"""Queries on stored files (the `media` table; the bytes are in compagnon/media/'s store)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, Media, Object


async def by_sha256(session: AsyncSession, sha256: str) -> Media | None:
    result = await session.execute(select(Media).where(Media.sha256 == sha256))
    return result.scalar_one_or_none()


async def record(
    session: AsyncSession,
    *,
    sha256: str,
    size: int,
    media_type: str,
    name: str,
    uploader_id: int | None,
    thumbnail_sha256: str | None = None,
) -> tuple[Media, bool]:
    """The row of that content, added if new: (row, True when this call added it). The same
    content uploaded again keeps its first name and uploader; a thumbnail made later is kept."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    added = await session.execute(
        insert(Media)
        .values(
            sha256=sha256,
            size=size,
            media_type=media_type,
            name=name,
            uploader_id=uploader_id,
            thumbnail_sha256=thumbnail_sha256,
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(Media.id)
    )
    is_new = added.scalar_one_or_none() is not None
    row = await by_sha256(session, sha256)
    assert row is not None
    if not is_new and row.thumbnail_sha256 is None and thumbnail_sha256 is not None:
        row.thumbnail_sha256 = thumbnail_sha256
    return row, is_new


async def recent(session: AsyncSession, limit: int = 100) -> list[tuple[Media, str | None]]:
    """Uploads (thumbnails left out), newest first, with the uploader's username."""
    thumbnails = select(Media.thumbnail_sha256).where(Media.thumbnail_sha256.is_not(None))
    result = await session.execute(
        select(Media, Actor.username)
        .outerjoin(Actor, Actor.id == Media.uploader_id)
        .where(Media.sha256.not_in(thumbnails))
        .order_by(Media.id.desc())
        .limit(limit)
    )
    return [(media, username) for media, username in result]


# --- previews for pages (server/views/previews.py) -----------------------------------------


async def thumbnails_of(session: AsyncSession, sha256s: set[str]) -> dict[str, str]:
    """sha256 of a stored file → sha256 of its preview, for the files that have one."""
    if not sha256s:
        return {}
    rows = await session.execute(
        select(Media.sha256, Media.thumbnail_sha256).where(
            Media.sha256.in_(sha256s), Media.thumbnail_sha256.is_not(None)
        )
    )
    return {sha: thumb for sha, thumb in rows if thumb}


async def documents_of(session: AsyncSession, uris: set[str]) -> dict[str, dict[str, Any]]:
    """The stored JSON of each object in `uris` that has one (one SELECT for a whole list)."""
    if not uris:
        return {}
    rows = await session.execute(
        select(Object.uri, Object.raw).where(Object.uri.in_(uris), Object.raw.is_not(None))
    )
    return {uri: raw for uri, raw in rows if isinstance(raw, dict)}
