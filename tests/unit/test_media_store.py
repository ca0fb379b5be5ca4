"""The filesystem store: content-addressed, deduplicated, written atomically, read by range."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from compagnon.media.store import FilesystemMediaStore, TooLarge, UnsupportedType, safe_name
from tests.unit.test_media_sniff import MINIMAL_PDF, image_bytes


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_a_file_lands_under_its_hash_with_its_sniffed_type(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    media = await store.put(MINIMAL_PDF, name="C:\\Users\\ana\\Lesson 1.pdf")
    sha = hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert (media.sha256, media.size) == (sha, len(MINIMAL_PDF))
    assert media.media_type == "application/pdf"
    assert media.name == "Lesson 1.pdf"
    assert files_under(tmp_path / "media") == [tmp_path / "media" / sha[:2] / sha[2:4] / sha]
    assert await store.exists(sha)


async def test_the_same_content_twice_is_one_file(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    first = await store.put(MINIMAL_PDF, name="a.pdf")
    second = await store.put(_stream(MINIMAL_PDF, 7), name="copy of a.pdf")
    other = await store.put(image_bytes("PNG"), name="b.png")
    assert first.sha256 == second.sha256 != other.sha256
    assert len(files_under(tmp_path / "media")) == 2


async def test_ranges_read_the_right_bytes(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    media = await store.put(MINIMAL_PDF, name="a.pdf")
    assert await store.read_range(media.sha256) == MINIMAL_PDF
    assert await store.read_range(media.sha256, 5, 8) == MINIMAL_PDF[5:8]
    assert await store.read_range(media.sha256, len(MINIMAL_PDF) - 6) == b"%%EOF\n"
    with pytest.raises(KeyError):
        await store.read_range("0" * 64)
    with pytest.raises(KeyError):
        await store.read_range("../../etc/passwd")


async def test_a_stream_that_breaks_leaves_no_file_at_all(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")

    async def broken() -> AsyncIterator[bytes]:
        yield MINIMAL_PDF[:20]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(broken(), name="a.pdf")
    assert files_under(tmp_path / "media") == []


async def test_past_the_limit_the_upload_stops_and_nothing_is_kept(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    read: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for n in range(1000):
            read.append(n)
            yield b"%PDF" + b"x" * 1020

    with pytest.raises(TooLarge, match="larger than the limit of 10 KB"):
        await store.put(endless(), name="a.pdf", max_bytes=10_000)
    assert len(read) == 10  # stopped reading at the limit, not at the end
    assert files_under(tmp_path / "media") == []
    exactly = await store.put(MINIMAL_PDF, name="a.pdf", max_bytes=len(MINIMAL_PDF))
    assert exactly.size == len(MINIMAL_PDF)


async def test_a_refused_type_leaves_nothing(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    with pytest.raises(UnsupportedType):
        await store.put(b"<html><script>x</script>", name="a.pdf")
    assert files_under(tmp_path / "media") == []


async def test_delete_removes_the_file_once(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    media = await store.put(MINIMAL_PDF, name="a.pdf")
    assert await store.delete(media.sha256)
    assert not await store.exists(media.sha256)
    assert not await store.delete(media.sha256)
    assert not await store.delete("not-a-hash")


def test_a_crash_leftover_is_swept_at_the_next_start_but_a_fresh_one_is_not(
    tmp_path: Path,
) -> None:
    import os

    FilesystemMediaStore(tmp_path / "media")
    old = tmp_path / "media" / ".incoming" / "upload-old"
    fresh = tmp_path / "media" / ".incoming" / "upload-fresh"
    old.write_bytes(b"half a file")
    fresh.write_bytes(b"an upload under way elsewhere")
    os.utime(old, (0, 0))
    FilesystemMediaStore(tmp_path / "media")
    assert not old.exists()
    assert fresh.exists()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ('a"b<c>.pdf', "abc.pdf"),
        ("line\nbreak.pdf", "linebreak.pdf"),
        ("...", "file"),
        ("", "file"),
    ],
)
def test_upload_names_keep_only_a_plain_last_part(given: str, kept: str) -> None:
    assert safe_name(given) == kept


async def _stream(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
