"""Files on a real node: a signed-in trainer uploads, anyone downloads with the right headers,
ranges and revalidation work, and whatever is too large, of a refused kind, or sent without a
session is turned away with nothing kept. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from compagnon.storage.models import Media
from tests.conftest import NodeFactory
from tests.support.nodes import Node
from tests.support.signin import sign_in
from tests.unit.test_media_sniff import MINIMAL_PDF, image_bytes

PASSWORD = "correct horse battery"


async def signed_in(node: Node, username: str = "tina") -> tuple[httpx.AsyncClient, str]:
    """A browser session of a trainer, and the CSRF token its pages carry."""
    await node.create_user(username)
    http = httpx.AsyncClient(base_url=node.base)
    await sign_in(http, username, PASSWORD)
    home = await http.get("/home")
    found = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert found, home.text
    return http, found.group(1)


async def upload(
    http: httpx.AsyncClient, csrf: str | None, name: str, data: bytes
) -> httpx.Response:
    fields = {"csrf": csrf} if csrf is not None else {}
    return await http.post("/media", data=fields, files={"file": (name, data)})


def stored_files(node: Node) -> list[Path]:
    root = Path(node.settings.data_dir) / "media"
    return sorted(p for p in root.rglob("*") if p.is_file())


async def media_rows(node: Node) -> int:
    async with node.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Media))).scalar_one())


@pytest.fixture
async def node(make_node: NodeFactory, backend: str) -> Node:
    return await make_node("a", backend=backend, max_upload_bytes=200_000)


@pytest.fixture
async def trainer(node: Node) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    http, csrf = await signed_in(node)
    try:
        yield http, csrf
    finally:
        await http.aclose()


async def test_a_trainer_uploads_a_pdf_and_anyone_downloads_it_safely(
    node: Node, trainer: tuple[httpx.AsyncClient, str]
) -> None:
    http, csrf = trainer
    answer = await upload(http, csrf, "Safety rules — Lesson 1.pdf", MINIMAL_PDF)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    sha = hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert body["sha256"] == sha
    assert body["url"] == f"{node.base}/media/{sha}" == answer.headers["Location"]
    assert (body["type"], body["size"], body["new"]) == ("application/pdf", len(MINIMAL_PDF), True)
    assert body["thumbnail"].startswith(f"{node.base}/media/")

    async with httpx.AsyncClient() as anonymous:
        got = await anonymous.get(body["url"])
        named = await anonymous.get(body["url"] + "/any-name.pdf")
        preview = await anonymous.get(body["thumbnail"])
    assert got.status_code == named.status_code == 200
    assert got.content == named.content == MINIMAL_PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"] == (
        'inline; filename="Safety rules _ Lesson 1.pdf"; '
        "filename*=UTF-8''Safety%20rules%20%E2%80%94%20Lesson%201.pdf"
    )
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert got.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert got.headers["ETag"] == f'"{sha}"'
    assert got.headers["Accept-Ranges"] == "bytes"
    assert preview.status_code == 200 and preview.headers["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(preview.content)) as shown:
        assert max(shown.size) == 480


async def test_the_same_file_twice_is_stored_once(
    node: Node, trainer: tuple[httpx.AsyncClient, str]
) -> None:
    http, csrf = trainer
    photo = image_bytes("PNG", (64, 48))
    first = (await upload(http, csrf, "a.png", photo)).json()
    again = await upload(http, csrf, "copy.png", photo)
    assert again.status_code == 201
    assert again.json()["sha256"] == first["sha256"] and again.json()["new"] is False
    assert again.json()["name"] == "a.png"  # the first name is kept
    assert again.json()["thumbnail"] == first["thumbnail"]
    assert await media_rows(node) == 2  # the photo and its preview
    assert len(stored_files(node)) == 2


async def test_packages_and_archives_are_downloads_not_pages(
    trainer: tuple[httpx.AsyncClient, str],
) -> None:
    http, csrf = trainer
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("h5p.json", "{}")
        archive.writestr("content/index.html", "<script>alert(1)</script>")
    answer = await upload(http, csrf, "quiz.h5p", out.getvalue())
    assert answer.status_code == 201 and answer.json()["type"] == "application/h5p+zip"
    assert answer.json()["thumbnail"] is None
    got = await http.get(answer.json()["url"])
    assert got.headers["Content-Type"] == "application/h5p+zip"
    assert got.headers["Content-Disposition"].startswith('attachment; filename="quiz.h5p"')
    assert got.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


async def test_ranges_and_revalidation(node: Node, trainer: tuple[httpx.AsyncClient, str]) -> None:
    http, csrf = trainer
    url = (await upload(http, csrf, "a.pdf", MINIMAL_PDF)).json()["url"]
    sha = url.rsplit("/", 1)[-1]
    size = len(MINIMAL_PDF)

    part = await http.get(url, headers={"Range": "bytes=9-20"})
    assert part.status_code == 206
    assert part.content == MINIMAL_PDF[9:21]
    assert part.headers["Content-Range"] == f"bytes 9-20/{size}"
    tail = await http.get(url, headers={"Range": "bytes=-6"})
    assert (tail.status_code, tail.content) == (206, b"%%EOF\n")
    # If-Range with our ETag: the content never changes under a hash, so the range stands.
    ranged = await http.get(url, headers={"Range": "bytes=0-3", "If-Range": f'"{sha}"'})
    assert (ranged.status_code, ranged.content) == (206, b"%PDF")

    beyond = await http.get(url, headers={"Range": f"bytes={size}-{size + 10}"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{size}"
    nonsense = await http.get(url, headers={"Range": "bytes=20-10"})
    assert nonsense.status_code == 416

    fresh = await http.get(url, headers={"If-None-Match": f'"{sha}"'})
    assert fresh.status_code == 304 and fresh.content == b""
    assert fresh.headers["ETag"] == f'"{sha}"'
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = await http.get(url, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.content == MINIMAL_PDF
    head = await http.head(url)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(size)


async def test_unknown_or_malformed_hashes_are_404(
    node: Node, trainer: tuple[httpx.AsyncClient, str]
) -> None:
    http, csrf = trainer
    await upload(http, csrf, "a.pdf", MINIMAL_PDF)
    paths = [
        "/media/" + "0" * 64,
        "/media/" + "0" * 64 + "/x.pdf",
        "/media/not-a-hash",
        "/media/" + hashlib.sha256(MINIMAL_PDF).hexdigest().upper(),
        "/media/..%2f..%2fcompagnon.sqlite3",
        "/media/.incoming",
    ]
    statuses = {path: (await http.get(path)).status_code for path in paths}
    assert set(statuses.values()) == {404}, statuses


async def test_a_file_over_the_limit_is_413_and_nothing_is_kept(
    node: Node, trainer: tuple[httpx.AsyncClient, str]
) -> None:
    http, csrf = trainer
    big = MINIMAL_PDF + b"%" * 300_000
    answer = await upload(http, csrf, "big.pdf", big)
    assert answer.status_code == 413
    assert "larger than the limit of 200 KB" in answer.json()["error"]

    # Streamed without a length: the node stops reading at the limit.
    async def chunks() -> AsyncIterator[bytes]:
        boundary = b"--b0undary"
        yield boundary + b"\r\n"
        yield b'Content-Disposition: form-data; name="csrf"\r\n\r\n' + csrf.encode() + b"\r\n"
        yield boundary + b"\r\n"
        yield b'Content-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        yield b"Content-Type: application/pdf\r\n\r\n"
        for _ in range(30):
            yield b"%PDF" + b"x" * 10_000
        yield b"\r\n" + boundary + b"--\r\n"

    streamed = await http.post(
        "/media",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert streamed.status_code == 413
    assert stored_files(node) == []
    assert await media_rows(node) == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("lesson.pdf", b"<!DOCTYPE html><html><script>alert(document.cookie)</script>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("notes.txt", b"just some words"),
    ],
)
async def test_refused_kinds_are_415_with_a_reason(
    node: Node, trainer: tuple[httpx.AsyncClient, str], name: str, data: bytes
) -> None:
    http, csrf = trainer
    answer = await upload(http, csrf, name, data)
    assert answer.status_code == 415
    assert answer.json()["error"]
    assert stored_files(node) == []


async def test_only_a_signed_in_user_with_the_form_token_can_upload(
    node: Node, trainer: tuple[httpx.AsyncClient, str]
) -> None:
    async with httpx.AsyncClient(base_url=node.base) as anonymous:
        answer = await upload(anonymous, None, "a.pdf", MINIMAL_PDF)
    assert answer.status_code == 401
    assert answer.json()["error"] == "Log in to upload files."
    http, csrf = trainer
    assert (await upload(http, None, "a.pdf", MINIMAL_PDF)).status_code == 403
    assert (await upload(http, "forged", "a.pdf", MINIMAL_PDF)).status_code == 403
    assert stored_files(node) == [] and await media_rows(node) == 0
    # The token may also come as a header (for scripts and the pages of issue #10).
    by_header = await http.post(
        "/media", files={"file": ("a.pdf", MINIMAL_PDF)}, headers={"X-CSRF-Token": csrf}
    )
    assert by_header.status_code == 201


async def test_a_form_without_a_file_or_not_multipart_is_400(
    trainer: tuple[httpx.AsyncClient, str],
) -> None:
    http, csrf = trainer
    assert (await http.post("/media", data={"csrf": csrf})).status_code == 400
    assert (await http.post("/media", content=b"%PDF-1.4")).status_code == 400
    garbled = await http.post(
        "/media",
        content=b"--x\r\nnot a header\r\n\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert garbled.status_code == 400


HOSTILE_HEADERS = [
    {"Range": "bytes=abc"},
    {"Range": "items=0-1"},
    {"Range": "bytes=0-1,5-9"},
    {"Range": "bytes=" + "9" * 40 + "-"},
    {"If-None-Match": "garbage without quotes"},
    {"If-Match": '"not-this-one"'},
    {"If-Modified-Since": "yesterday-ish"},
    {"If-Range": "not a date", "Range": "bytes=0-3"},
]


async def test_hostile_request_headers_never_make_a_500(
    trainer: tuple[httpx.AsyncClient, str],
) -> None:
    http, csrf = trainer
    url = (await upload(http, csrf, "a.pdf", MINIMAL_PDF)).json()["url"]
    seen: dict[str, int] = {}
    for headers in HOSTILE_HEADERS:
        answer = await http.get(url, headers=headers)
        seen[str(headers)] = answer.status_code
        if answer.status_code in (200, 206):
            assert answer.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert all(status < 500 for status in seen.values()), seen
    assert seen[str({"If-Match": '"not-this-one"'})] == 412
