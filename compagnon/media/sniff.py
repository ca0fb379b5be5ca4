"""What an uploaded file really is, decided from its bytes, never from its name.

An allow-list: the kinds trainers share (PDF, images, audio, video, office documents, H5P
packages, zip) are accepted, everything else is refused, so a page or a script (HTML, SVG, XML,
JavaScript) can never be stored and later served from the node's origin. Magic bytes are read
by `filetype` (pure Python, no libmagic); the ZIP-based formats are told apart by their members
(`h5p.json`, OOXML's part names, ODF's and EPUB's `mimetype`), read from the central directory
without unpacking anything. Images are opened by Pillow (header only) to check that they are
what they claim and stay under a pixel cap: a small file that unpacks to gigapixels is refused.
"""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image, UnidentifiedImageError

from compagnon.i18n import _, ngettext

HEAD_BYTES = 8192  # what filetype reads

# An image above this many pixels is refused (a 50-megapixel photo is ~8,200 x 6,100); Pillow's
# own limit (89 M, an error at twice that) stays above it, so its warning never fires first.
MAX_IMAGE_PIXELS = 50_000_000
# An archive's members, as declared in its central directory: whoever unpacks it (a peer's H5P
# player, a trainer's computer) unpacks this much. Declared sizes of more than a gigabyte, or a
# ratio above 100 past 32 MiB (a compressed run of zeros), are refused as a zip bomb.
MAX_ZIP_MEMBERS = 20_000
MAX_UNPACKED_BYTES = 1 << 30
MAX_RATIO = 100
RATIO_CHECKED_FROM = 32 << 20

# No media type is registered for H5P; "+zip" (RFC 6839) says what it is underneath.
H5P = "application/h5p+zip"
ZIP = "application/zip"

# filetype's answer -> the media type we store and serve (None: look inside the ZIP).
ALLOWED: dict[str, str | None] = {
    "application/pdf": "application/pdf",
    "image/png": "image/png",
    "image/apng": "image/png",
    "image/jpeg": "image/jpeg",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
    "audio/mpeg": "audio/mpeg",
    "audio/ogg": "audio/ogg",
    "audio/x-wav": "audio/wav",
    "audio/mp4": "audio/mp4",
    "video/mp4": "video/mp4",
    "video/webm": "video/webm",
    "application/msword": "application/msword",
    "application/vnd.ms-excel": "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint": "application/vnd.ms-powerpoint",
    "application/zip": None,
    "application/epub+zip": None,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": None,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": None,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": None,
    "application/vnd.oasis.opendocument.text": None,
    "application/vnd.oasis.opendocument.spreadsheet": None,
    "application/vnd.oasis.opendocument.presentation": None,
}

OOXML_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}

# Media types a browser may show in place; anything else is served as a download.
INLINE_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/mp4",
        "video/mp4",
        "video/webm",
    }
)

EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/mp4": "m4a",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    ZIP: "zip",
    H5P: "h5p",
    "application/epub+zip": "epub",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
EXTENSIONS.update(
    {
        OOXML_PARTS["word/document.xml"]: "docx",
        OOXML_PARTS["xl/workbook.xml"]: "xlsx",
        OOXML_PARTS["ppt/presentation.xml"]: "pptx",
    }
)

PILLOW_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}

MARKUP_STARTS = (b"<", b"#!", b"{", b"[")  # pages, SVG, XML, scripts, JSON


class RefusedType(ValueError):
    """The file is not of a kind we accept; the message says why, for a person to read."""


@dataclass(frozen=True)
class Sniffed:
    media_type: str

    @property
    def inline(self) -> bool:
        return self.media_type in INLINE_TYPES

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.media_type, "bin")


def looks_like_markup(head: bytes) -> bool:
    """HTML, SVG, XML, a script or JSON, whatever the file is called."""
    text = head.lstrip(b"\xef\xbb\xbf\xfe\xff\x00 \t\r\n")
    return text.startswith(MARKUP_STARTS) or b"<script" in head.lower()


def sniff_file(path: Path) -> Sniffed:
    """The media type of the file at `path`, or RefusedType."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head:
        raise RefusedType(_("The file is empty."))
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED:
        if looks_like_markup(head):
            raise RefusedType(
                _("Web pages, SVG, XML and scripts cannot be uploaded; send a PDF instead.")
            )
        raise RefusedType(
            _(
                "This kind of file is not accepted. Send a PDF, an image, audio, video, "
                "an office document, an H5P package or a zip."
            )
        )
    media_type = ALLOWED[kind.mime]
    if media_type is None:
        return Sniffed(_zip_kind(path))
    if media_type in PILLOW_FORMATS:
        _check_image(path, PILLOW_FORMATS[media_type])
    return Sniffed(media_type)


def _check_image(path: Path, expected_format: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                found = image.format
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RefusedType(_("The image could not be read, or is far too large.")) from None
    except (OSError, ValueError, SyntaxError):
        raise RefusedType(_("The image could not be read.")) from None
    if found != expected_format:
        raise RefusedType(_("The image could not be read."))
    if width * height > MAX_IMAGE_PIXELS:
        raise RefusedType(
            _(
                "The image has {pixels} million pixels; at most {limit} million are accepted.",
                pixels=width * height // 1_000_000,
                limit=MAX_IMAGE_PIXELS // 1_000_000,
            )
        )


def _zip_kind(path: Path) -> str:
    """H5P, OOXML, ODF, EPUB or a plain zip, from the members (nothing is unpacked but the
    few bytes of ODF's `mimetype`)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise RefusedType(
                    ngettext(
                        "The archive holds more than {n} file.",
                        "The archive holds more than {n} files.",
                        MAX_ZIP_MEMBERS,
                    )
                )
            _check_unpacked_size(members)
            names = {m.filename for m in members}
            if "h5p.json" in names:
                return H5P
            if "[Content_Types].xml" in names:
                for part, media_type in OOXML_PARTS.items():
                    if part in names:
                        return media_type
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument.") or (
                    declared == "application/epub+zip"
                ):
                    return declared
            return ZIP
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise RefusedType(_("The archive is damaged and cannot be read.")) from None


def _check_unpacked_size(members: list[zipfile.ZipInfo]) -> None:
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    too_dense = unpacked > RATIO_CHECKED_FROM and unpacked > MAX_RATIO * max(packed, 1)
    if unpacked > MAX_UNPACKED_BYTES or too_dense:
        raise RefusedType(
            _(
                "The archive unpacks to {size} MB from {packed} MB: refused as a zip bomb.",
                size=unpacked // 1_000_000,
                packed=packed // 1_000_000,
            )
        )
