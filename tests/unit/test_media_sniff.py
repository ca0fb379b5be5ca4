"""The type of an upload comes from its bytes: real small files made here, and files that lie
about what they are."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from compagnon.media import sniff
from compagnon.media.sniff import RefusedType, sniff_file

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(fmt: str, size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=fmt)
    return out.getvalue()


def wav_bytes() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(stored_first, members[stored_first], zipfile.ZIP_STORED)
        for name, data in members.items():
            if name != stored_first:
                archive.writestr(name, data)
    return out.getvalue()


def mp4_bytes(brand: bytes) -> bytes:
    ftyp = b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"mp41"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + b"\x00\x00\x00\x08free"


def ogg_bytes() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x1evorbis" + b"\x00" * 40


def webm_bytes() -> bytes:
    return bytes.fromhex("1a45dfa3") + b"\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 32


ODT = "application/vnd.oasis.opendocument.text"

ACCEPTED = {
    "paper.pdf": (MINIMAL_PDF, "application/pdf"),
    "photo.png": (image_bytes("PNG"), "image/png"),
    "photo.jpg": (image_bytes("JPEG"), "image/jpeg"),
    "anim.gif": (image_bytes("GIF"), "image/gif"),
    "pic.webp": (image_bytes("WEBP"), "image/webp"),
    "sound.wav": (wav_bytes(), "audio/wav"),
    "song.mp3": (b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64, "audio/mpeg"),
    "voice.ogg": (ogg_bytes(), "audio/ogg"),
    "talk.m4a": (mp4_bytes(b"M4A "), "audio/mp4"),
    "clip.mp4": (mp4_bytes(b"isom"), "video/mp4"),
    "clip.webm": (webm_bytes(), "video/webm"),
    "quiz.h5p": (zip_bytes({"h5p.json": b"{}", "content/content.json": b"{}"}), sniff.H5P),
    "plain.zip": (zip_bytes({"a.txt": b"hello", "b/c.txt": b"world"}), "application/zip"),
    "report.docx": (
        zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
        sniff.OOXML_PARTS["word/document.xml"],
    ),
    "sheet.xlsx": (
        zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}),
        sniff.OOXML_PARTS["xl/workbook.xml"],
    ),
    "slides.pptx": (
        zip_bytes({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}),
        sniff.OOXML_PARTS["ppt/presentation.xml"],
    ),
    "letter.odt": (
        zip_bytes({"mimetype": ODT.encode(), "content.xml": b"<x/>"}, stored_first="mimetype"),
        ODT,
    ),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_each_accepted_kind_is_known_by_its_bytes(name: str, tmp_path: Path) -> None:
    data, expected = ACCEPTED[name]
    # Named wrongly on purpose: the name plays no part.
    path = tmp_path / "upload.txt"
    path.write_bytes(data)
    assert sniff_file(path).media_type == expected


def test_a_zip_renamed_h5p_is_a_zip_and_an_h5p_renamed_zip_is_h5p(tmp_path: Path) -> None:
    h5p = tmp_path / "quiz.zip"
    h5p.write_bytes(ACCEPTED["quiz.h5p"][0])
    plain = tmp_path / "archive.h5p"
    plain.write_bytes(ACCEPTED["plain.zip"][0])
    assert sniff_file(h5p).media_type == sniff.H5P
    assert sniff_file(plain).media_type == "application/zip"


HOSTILE = {
    "html named .pdf": b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
    "html with a BOM and blank lines": b"\xef\xbb\xbf\n\n  <html><body onload=x()>",
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
    "bare svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "javascript": b"#!/usr/bin/env node\nfetch('/home')",
    "json": b'{"@context": "https://www.w3.org/ns/activitystreams"}',
}


@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_pages_svg_and_scripts_are_refused_whatever_their_name(label: str, tmp_path: Path) -> None:
    path = tmp_path / "lesson.pdf"
    path.write_bytes(HOSTILE[label])
    with pytest.raises(RefusedType, match="Web pages, SVG, XML and scripts"):
        sniff_file(path)


@pytest.mark.parametrize(
    "data",
    [b"plain words in a text file", b"\x00\x01\x02binary of no known kind", b"MZ\x90\x00"],
)
def test_unknown_kinds_are_refused(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "thing.pdf"
    path.write_bytes(data)
    with pytest.raises(RefusedType, match="not accepted"):
        sniff_file(path)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(RefusedType, match="empty"):
        sniff_file(path)


def test_an_image_of_too_many_pixels_is_refused_though_the_file_is_small(tmp_path: Path) -> None:
    # 10,000 x 6,000 = 60 M pixels of one colour: a few hundred KB of PNG.
    path = tmp_path / "bomb.png"
    Image.new("1", (10_000, 6_000)).save(path, format="PNG")
    assert path.stat().st_size < 1_000_000
    with pytest.raises(RefusedType, match="60 million pixels"):
        sniff_file(path)


def test_an_image_just_under_the_cap_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("1", (10_000, 5_000)).save(path, format="PNG")
    assert sniff_file(path).media_type == "image/png"


def test_a_png_header_on_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(image_bytes("PNG")[:16] + b"\x00" * 200)
    with pytest.raises(RefusedType, match="could not be read"):
        sniff_file(path)


def test_an_archive_that_unpacks_to_far_more_than_it_weighs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\x00" * (40 << 20))
    assert path.stat().st_size < 100_000
    with pytest.raises(RefusedType, match="zip bomb"):
        sniff_file(path)


def test_a_truncated_archive_is_refused(tmp_path: Path) -> None:
    data = ACCEPTED["plain.zip"][0]
    path = tmp_path / "cut.zip"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RefusedType, match="damaged"):
        sniff_file(path)


def test_only_media_a_browser_shows_safely_is_inline() -> None:
    assert sniff.Sniffed("application/pdf").inline
    assert sniff.Sniffed("video/mp4").inline
    assert not sniff.Sniffed(sniff.H5P).inline
    assert not sniff.Sniffed("application/zip").inline
    assert not sniff.Sniffed(ODT).inline
