"""Where uploaded files live: content-addressed, one file per distinct content.

`MediaStore` is the interface the node uses; `FilesystemMediaStore` keeps files under
`{data_dir}/media/ab/cd/<sha256>`. A file is streamed into `media/.incoming/` (same file
system), hashed and checked while it arrives, flushed to disk, then renamed into place: a crash
leaves at most a stray temporary file (swept at the next start), never a half file under a
hash, and the same content stored twice is one file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
import time
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from compagnon.config import Settings
from compagnon.i18n import _
from compagnon.media.sniff import RefusedType, sniff_file

SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK = 256 * 1024
STALE_INCOMING_SECONDS = 24 * 3600


def is_sha256(text: str) -> bool:
    return SHA256.fullmatch(text) is not None


@dataclass(frozen=True)
class StoredMedia:
    """One stored file. `name` is the name it was uploaded under (for downloads only)."""

    sha256: str
    size: int
    media_type: str
    name: str
    thumbnail_sha256: str | None = None

    @property
    def url_path(self) -> str:
        """Its URL path on this node."""
        return f"/media/{self.sha256}"

    @property
    def thumbnail_url_path(self) -> str | None:
        return f"/media/{self.thumbnail_sha256}" if self.thumbnail_sha256 else None


class MediaError(Exception):
    """A file that cannot be stored; the message is for a person."""


class TooLarge(MediaError):
    def __init__(self, limit: int) -> None:
        super().__init__(_("The file is larger than the limit of {size}.", size=human_size(limit)))
        self.limit = limit


class UnsupportedType(MediaError):
    pass


Source = bytes | AsyncIterable[bytes]


class MediaStore(Protocol):
    async def put(self, source: Source, *, name: str, max_bytes: int | None = None) -> StoredMedia:
        """Store the bytes (or a stream of chunks), checking size and type as they arrive.
        Raises TooLarge past `max_bytes` and UnsupportedType for a refused kind."""
        ...

    async def read_range(self, sha256: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes [start, end) of a stored file (KeyError if absent)."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def delete(self, sha256: str) -> bool:
        """Remove a file; False when there was none."""
        ...

    def local_path(self, sha256: str) -> Path | None:
        """A path the web server can send with sendfile, when the store has one."""
        ...


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.3g} MB"
    return f"{size / 1000:.3g} KB"


def safe_name(name: str, default: str = "file") -> str:
    """The last path part of an uploaded name, without control characters, kept short."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|*?:')
    base = base.strip(" .")[:200]
    return base or default


class FilesystemMediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / ".incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)
        self._sweep_incoming()

    @classmethod
    def from_settings(cls, settings: Settings) -> FilesystemMediaStore:
        return cls(Path(settings.data_dir) / "media")

    def _path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise KeyError(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def local_path(self, sha256: str) -> Path | None:
        try:
            path = self._path(sha256)
        except KeyError:
            return None
        return path if path.is_file() else None

    async def exists(self, sha256: str) -> bool:
        return self.local_path(sha256) is not None

    async def delete(self, sha256: str) -> bool:
        path = self.local_path(sha256)
        if path is None:
            return False
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            return True
        return False

    async def read_range(self, sha256: str, start: int = 0, end: int | None = None) -> bytes:
        path = self.local_path(sha256)
        if path is None:
            raise KeyError(sha256)

        def read() -> bytes:
            with path.open("rb") as fh:
                fh.seek(start)
                return fh.read(-1 if end is None else max(end - start, 0))

        return await asyncio.to_thread(read)

    async def put(self, source: Source, *, name: str, max_bytes: int | None = None) -> StoredMedia:
        fd, temp_name = tempfile.mkstemp(dir=self.incoming, prefix="upload-")
        temp = Path(temp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as fh:
                async for chunk in _chunks(source):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    await asyncio.to_thread(fh.write, chunk)
                await asyncio.to_thread(_flush, fh)
            try:
                sniffed = await asyncio.to_thread(sniff_file, temp)
            except RefusedType as exc:
                raise UnsupportedType(str(exc)) from None
            sha256 = digest.hexdigest()
            await asyncio.to_thread(self._move_into_place, temp, sha256)
            return StoredMedia(sha256, size, sniffed.media_type, safe_name(name))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)  # gone already unless refused or failed

    def _move_into_place(self, temp: Path, sha256: str) -> None:
        final = self._path(sha256)
        if final.is_file():
            return  # the same content is already here: one file
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp, 0o644)
        os.replace(temp, final)
        _flush_directory(final.parent)

    def _sweep_incoming(self) -> None:
        """Drop temporary files a crash left behind (old enough not to be an upload under
        way in another process)."""
        cutoff = time.time() - STALE_INCOMING_SECONDS
        for leftover in self.incoming.iterdir():
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()


async def _chunks(source: Source) -> AsyncIterable[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        for start in range(0, len(data), CHUNK):
            yield data[start : start + CHUNK]
        return
    async for chunk in source:
        if chunk:
            yield chunk


def _flush(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())


def _flush_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
