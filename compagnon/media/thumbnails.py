"""Small previews of images and of a PDF's first page, stored in the same MediaStore.

Images go through Pillow, under the pixel cap that sniffing already enforced (and Pillow's own
decompression-bomb check turned into an error); PDFs are drawn by pypdfium2 (PDFium, the
engine of Chromium's viewer, shipped as a wheel). A preview that cannot be made is no preview:
the upload itself stands.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import warnings
from pathlib import Path

from PIL import Image, ImageOps

from compagnon.media.sniff import MAX_IMAGE_PIXELS, PILLOW_FORMATS
from compagnon.media.store import MediaError, MediaStore, StoredMedia

log = logging.getLogger(__name__)

SIDE = 480  # longest side of a preview, in pixels
MAX_PAGE_POINTS = 14_400  # PDF's own limit for a page side (200 inches)
# PDFium is not thread-safe: one rendering at a time in the process.
_PDFIUM = threading.Lock()


def can_preview(media_type: str) -> bool:
    return media_type in PILLOW_FORMATS or media_type == "application/pdf"


def render(path: Path, media_type: str, side: int = SIDE) -> bytes | None:
    """A WebP preview of the file, at most `side` pixels on its longest side, or None."""
    try:
        if media_type == "application/pdf":
            image = _first_page(path, side)
        elif media_type in PILLOW_FORMATS:
            image = _image(path, side)
        else:
            return None
    except Exception:  # a damaged file is no preview, never a failed upload
        log.info("no preview for %s", path.name, exc_info=True)
        return None
    if image is None:
        return None
    image.thumbnail((side, side))
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=80)
    return out.getvalue()


def _image(path: Path, side: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as opened:
            width, height = opened.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValueError("too many pixels")
            opened.draft("RGB", (side, side))  # JPEG decodes at a fraction of its size
            image = ImageOps.exif_transpose(opened)
            image.load()
            return image


def _first_page(path: Path, side: int) -> Image.Image | None:
    import pypdfium2 as pdfium  # loaded on first use: a native library of ~6 MB

    with _PDFIUM:
        pdf = pdfium.PdfDocument(path)
        try:
            if len(pdf) == 0:
                return None
            page = pdf[0]
            width, height = page.get_size()
            if not (0 < width <= MAX_PAGE_POINTS and 0 < height <= MAX_PAGE_POINTS):
                return None
            bitmap = page.render(scale=side / max(width, height))
            image: Image.Image = bitmap.to_pil().copy()
            return image
        finally:
            pdf.close()


async def make(store: MediaStore, media: StoredMedia) -> StoredMedia | None:
    """Render and store the preview of `media` (already in `store`), or None."""
    if not can_preview(media.media_type):
        return None
    path = store.local_path(media.sha256)
    if path is None:
        return None
    preview = await asyncio.to_thread(render, path, media.media_type)
    if preview is None:
        return None
    stem = media.name.rsplit(".", 1)[0] or "preview"
    try:
        return await store.put(preview, name=f"{stem}-preview.webp")
    except MediaError:
        return None
