"""Previews: images through Pillow, the first page of a PDF through PDFium, both small WebP
files in the same store; a file that cannot be drawn simply has none."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from compagnon.media import thumbnails
from compagnon.media.store import FilesystemMediaStore
from tests.unit.test_media_sniff import MINIMAL_PDF, image_bytes


async def test_a_photo_gets_a_small_preview_in_the_same_store(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    photo = await store.put(image_bytes("JPEG", (1600, 900)), name="workshop.jpg")
    preview = await thumbnails.make(store, photo)
    assert preview is not None
    assert (preview.media_type, preview.name) == ("image/webp", "workshop-preview.webp")
    with Image.open(io.BytesIO(await store.read_range(preview.sha256))) as shown:
        assert shown.size == (480, 270)


async def test_a_pdf_gets_a_preview_of_its_first_page(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    pdf = await store.put(MINIMAL_PDF, name="lesson.pdf")
    preview = await thumbnails.make(store, pdf)
    assert preview is not None and preview.media_type == "image/webp"
    with Image.open(io.BytesIO(await store.read_range(preview.sha256))) as shown:
        assert shown.size == (480, 240)  # the page is 200 x 100 points


async def test_a_pdf_that_cannot_be_drawn_has_no_preview(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    broken = await store.put(b"%PDF-1.4\n" + b"\x00garbage" * 50, name="broken.pdf")
    assert await thumbnails.make(store, broken) is None


async def test_audio_has_no_preview(tmp_path: Path) -> None:
    store = FilesystemMediaStore(tmp_path / "media")
    from tests.unit.test_media_sniff import wav_bytes

    sound = await store.put(wav_bytes(), name="a.wav")
    assert await thumbnails.make(store, sound) is None
    assert thumbnails.render(tmp_path / "nothing.png", "image/png") is None
