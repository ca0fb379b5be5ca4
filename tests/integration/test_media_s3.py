"""Media in S3-compatible object storage (media/s3.py), against moto's S3 server started
here on loopback: a trainer's upload lands in the bucket (once per content, nothing left on
disk), downloads and ranges are relayed with the same headers as from disk, presigned
redirects serve the same bytes from the bucket, deletion removes the object, and a large file
goes up in parts."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from moto.server import ThreadedMotoServer

from compagnon.config import Settings
from compagnon.media.s3 import PART_BYTES, S3MediaStore, open_s3_store
from compagnon.server.keys import MEDIA
from tests.conftest import NodeFactory
from tests.integration.test_media import signed_in, upload
from tests.support.nodes import Node, free_port
from tests.unit.test_media_sniff import MINIMAL_PDF

BUCKET = "compagnon-media"
KEYS = {"s3_access_key": "testing", "s3_secret_key": "testing", "s3_region": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")  # moto checks nothing, boto wants some
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
async def bucket(s3_endpoint: str, tmp_path: Path) -> AsyncIterator[S3MediaStore]:
    settings = Settings(
        data_dir=str(tmp_path),
        media_store="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket=BUCKET,
        **KEYS,
    )
    async with open_s3_store(settings) as store:
        with contextlib.suppress(store.client.exceptions.BucketAlreadyOwnedByYou):
            await store.client.create_bucket(Bucket=BUCKET)
        yield store


def on_disk(root: Path) -> set[str]:
    return {p.name for p in root.rglob("*")}


async def node_on_s3(make_node: NodeFactory, endpoint: str, **more: object) -> Node:
    return await make_node(
        "a", media_store="s3", s3_endpoint_url=endpoint, s3_bucket=BUCKET, **KEYS, **more
    )


async def test_an_upload_lands_in_the_bucket_and_is_served_with_ranges(
    make_node: NodeFactory, s3_endpoint: str, bucket: S3MediaStore
) -> None:
    node = await node_on_s3(make_node, s3_endpoint)
    http, csrf = await signed_in(node)
    pdf = MINIMAL_PDF + b"%" + os.urandom(2000)
    sha = hashlib.sha256(pdf).hexdigest()
    try:
        answer = await upload(http, csrf, "fiche.pdf", pdf)
        assert answer.status_code == 201, answer.text
        again = await upload(http, csrf, "copie.pdf", pdf)
        assert again.status_code in (200, 201)
        assert await bucket.exists(sha)
        assert sha not in on_disk(Path(node.settings.data_dir))

        whole = await http.get(f"/media/{sha}")
        assert whole.status_code == 200 and whole.content == pdf
        assert whole.headers["content-type"] == "application/pdf"
        assert whole.headers["x-content-type-options"] == "nosniff"
        part = await http.get(f"/media/{sha}", headers={"Range": "bytes=10-19"})
        assert part.status_code == 206 and part.content == pdf[10:20]
        assert part.headers["content-range"] == f"bytes 10-19/{len(pdf)}"
        tail = await http.get(f"/media/{sha}", headers={"Range": "bytes=-7"})
        assert tail.status_code == 206 and tail.content == pdf[-7:]
        beyond = await http.get(f"/media/{sha}", headers={"Range": f"bytes={len(pdf) + 5}-"})
        assert beyond.status_code == 416
    finally:
        await http.aclose()

    assert node.app is not None
    assert await node.app[MEDIA].delete(sha)
    assert not await bucket.exists(sha)
    async with httpx.AsyncClient(base_url=node.base) as anyone:
        assert (await anyone.get(f"/media/{sha}")).status_code == 404


async def test_downloads_can_be_redirected_to_presigned_urls(
    make_node: NodeFactory, s3_endpoint: str, bucket: S3MediaStore
) -> None:
    node = await node_on_s3(make_node, s3_endpoint, s3_redirect_downloads=True)
    http, csrf = await signed_in(node)
    pdf = MINIMAL_PDF + os.urandom(64)
    sha = hashlib.sha256(pdf).hexdigest()
    try:
        assert (await upload(http, csrf, "cours.pdf", pdf)).status_code == 201
        answer = await http.get(f"/media/{sha}")
        assert answer.status_code == 307
        location = answer.headers["location"]
        assert location.startswith(s3_endpoint) and "Signature" in location
    finally:
        await http.aclose()
    async with httpx.AsyncClient() as browser:
        fetched = await browser.get(location)
    assert fetched.status_code == 200 and fetched.content == pdf
    assert 'filename="cours.pdf"' in fetched.headers["content-disposition"]


async def test_a_large_file_goes_up_in_parts(bucket: S3MediaStore) -> None:
    big = MINIMAL_PDF + b"%" + os.urandom(PART_BYTES * 2 + 12_345)
    stored = await bucket.put(big, name="video-notes.pdf")
    assert stored.size == len(big)
    assert await bucket.size(stored.sha256) == len(big)
    assert (
        await bucket.read_range(stored.sha256, PART_BYTES - 3, PART_BYTES + 3)
        == big[PART_BYTES - 3 : PART_BYTES + 3]
    )
    assert await bucket.delete(stored.sha256)
