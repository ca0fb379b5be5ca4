"""The one place that picks the node's MediaStore from the settings (`media_store`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from compagnon.config import Settings
from compagnon.media.store import FilesystemMediaStore, MediaStore


@contextlib.asynccontextmanager
async def open_media_store(settings: Settings) -> AsyncIterator[MediaStore]:
    """The store chosen in the settings, open for as long as the block runs."""
    if settings.media_store == "s3":
        from compagnon.media.s3 import open_s3_store

        async with open_s3_store(settings) as store:
            yield store
        return
    yield FilesystemMediaStore.from_settings(settings)
