"""Files of a learning resource given on the command line (`--file PATH`): each is stored
through compagnon/media exactly as an upload is (type from the bytes, the size limit, kept
once) and becomes an attachment pointing at this node's `/media/{sha256}`."""

from __future__ import annotations

from pathlib import Path

from compagnon.config import Settings
from compagnon.domain.resources import Attachment
from compagnon.i18n import _
from compagnon.media import library
from compagnon.media.store import MediaError
from compagnon.media.stores import open_media_store
from compagnon.operations import OperationError, _local_actor, database
from compagnon.operations.media import file_chunks


async def store_files(settings: Settings, username: str, paths: list[Path]) -> list[Attachment]:
    """Store every file as uploaded by `username`, in order; the first refused file stops
    the whole command with its name and the reason (the files before it stay stored, once:
    storing them again costs nothing)."""
    for path in paths:
        if not path.is_file():
            raise OperationError(_("There is no file at {path}.", path=path))
    found = []
    async with database(settings) as sessions, open_media_store(settings) as store:
        async with sessions() as session:
            uploader = await _local_actor(session, username)
        for path in paths:
            try:
                media, _new = await library.add(
                    sessions,
                    store,
                    file_chunks(path),
                    name=path.name,
                    uploader_id=uploader.id,
                    max_bytes=settings.max_upload_bytes,
                )
            except MediaError as exc:
                raise OperationError(f"{path.name}: {exc}") from None
            found.append(
                Attachment(
                    url=settings.base_url + media.url_path,
                    media_type=media.media_type,
                    name=path.name,
                    size=media.size,
                )
            )
    return found
