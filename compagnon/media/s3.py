"""Media in S3-compatible object storage (AWS S3, MinIO, Garage, Ceph RGW …), for nodes whose
files outgrow one disk or whose web processes run on several machines.

An upload is checked exactly as on disk (size limit, type from the bytes, sha256) by staging it
in a `FilesystemMediaStore` under `data_dir/media-staging`, then sent to the bucket under its
hash (skipped when the bucket holds it already: one object per distinct content) and the
staged copy removed. Reads are ranged GETs; with `s3_redirect_downloads` the web server sends
browsers a short-lived presigned URL instead of relaying the bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from compagnon.config import Settings, SettingsError
from compagnon.media.store import FilesystemMediaStore, Source, StoredMedia, is_sha256

PART_BYTES = 8 * 1024 * 1024  # S3's parts are at least 5 MiB (but the last)


class S3MediaStore:
    def __init__(self, client: Any, bucket: str, staging: FilesystemMediaStore) -> None:
        self.client = client  # an aiobotocore S3 client, opened by open_s3_store()
        self.bucket = bucket
        self.staging = staging

    @staticmethod
    def key(sha256: str) -> str:
        if not is_sha256(sha256):
            raise KeyError(sha256)
        return f"media/{sha256[:2]}/{sha256}"

    def local_path(self, sha256: str) -> Path | None:
        return None  # never on this machine: served by ranged reads or a presigned URL

    async def exists(self, sha256: str) -> bool:
        try:
            await self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except KeyError:
            return False
        except self.client.exceptions.ClientError as exc:
            if _status(exc) == 404:
                return False
            raise
        return True

    async def size(self, sha256: str) -> int:
        head = await self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        return int(head["ContentLength"])

    async def put(self, source: Source, *, name: str, max_bytes: int | None = None) -> StoredMedia:
        staged = await self.staging.put(source, name=name, max_bytes=max_bytes)
        path = self.staging.local_path(staged.sha256)
        assert path is not None
        try:
            if not await self.exists(staged.sha256):
                await self._send(path, self.key(staged.sha256), staged.media_type)
        finally:
            await self.staging.delete(staged.sha256)
        return staged

    async def _send(self, path: Path, key: str, media_type: str) -> None:
        """One PUT for a small file; a multipart upload part by part for a large one, so a
        100 MB video never sits in memory whole."""
        size = (await asyncio.to_thread(path.stat)).st_size
        if size <= PART_BYTES:
            data = await asyncio.to_thread(path.read_bytes)
            await self.client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=media_type
            )
            return
        started = await self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=media_type
        )
        upload_id = started["UploadId"]
        parts = []
        try:
            with path.open("rb") as fh:
                number = 1
                while chunk := await asyncio.to_thread(fh.read, PART_BYTES):
                    sent = await self.client.upload_part(
                        Bucket=self.bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=chunk,
                    )
                    parts.append({"ETag": sent["ETag"], "PartNumber": number})
                    number += 1
            await self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id
                )
            raise

    async def read_range(self, sha256: str, start: int = 0, end: int | None = None) -> bytes:
        if end is not None and end <= start:
            return b""
        wanted = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            answer = await self.client.get_object(
                Bucket=self.bucket, Key=self.key(sha256), Range=wanted
            )
        except self.client.exceptions.ClientError as exc:
            if _status(exc) in (404, 416):
                if _status(exc) == 416:
                    return b""
                raise KeyError(sha256) from None
            raise
        async with answer["Body"] as body:
            return bytes(await body.read())

    async def delete(self, sha256: str) -> bool:
        if not await self.exists(sha256):
            return False
        await self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        return True

    async def presigned_url(self, media: StoredMedia, seconds: int) -> str:
        """A URL the browser fetches from the bucket itself, with our type and file name."""
        url: str = await self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.key(media.sha256),
                "ResponseContentType": media.media_type,
                "ResponseContentDisposition": f'attachment; filename="{media.name}"',
            },
            ExpiresIn=seconds,
        )
        return url


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


@contextlib.asynccontextmanager
async def open_s3_store(settings: Settings) -> AsyncIterator[S3MediaStore]:
    try:
        from aiobotocore.session import get_session  # only nodes that chose S3 need it
    except ImportError:
        raise SettingsError(
            "media_store = s3 needs the S3 client: pip install -e '.[s3]'"
        ) from None

    session = get_session()
    async with session.create_client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region or None,
        aws_access_key_id=settings.s3_access_key or None,
        aws_secret_access_key=settings.s3_secret_key or None,
    ) as client:
        staging = FilesystemMediaStore(Path(settings.data_dir) / "media-staging")
        yield S3MediaStore(client, settings.s3_bucket, staging)
