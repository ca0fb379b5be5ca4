"""Uploading files (`POST /media`) and serving them (`GET /media/{sha256}[/{name}]`).

Serving is safe for any stored byte: the type is the one sniffed at upload (never HTML), the
browser is told not to guess another (`nosniff`), and `Content-Security-Policy: sandbox` makes
the answer a document of no origin that runs nothing, should a browser render it anyway. What a
browser shows in place (images, PDF, audio, video) is `inline`, anything else a download.
Files are content-addressed, so an answer never changes: cached for a year, `ETag` is the hash,
and ranges come from aiohttp's FileResponse (sendfile).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web
from aiohttp.helpers import ETag
from aiohttp.http_exceptions import HttpProcessingError

from compagnon.i18n import _
from compagnon.media import library
from compagnon.media.sniff import INLINE_TYPES
from compagnon.media.store import StoredMedia, TooLarge, UnsupportedType, is_sha256, safe_name
from compagnon.server import auth
from compagnon.server.keys import MEDIA, SESSIONS, SETTINGS

SANDBOX = "sandbox; default-src 'none'"
IMMUTABLE = "public, max-age=31536000, immutable"
CSRF_HEADER = "X-CSRF-Token"
RELAY_CHUNK = 1024 * 1024  # bytes read from object storage per write, relaying a whole file
FILE_FIELD = "file"
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers beyond the file itself
# What a malformed or broken-off multipart body raises while it is read.
MALFORMED = (ValueError, AssertionError, KeyError, HttpProcessingError, ConnectionError)
CONDITIONALS = ("If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def content_disposition(media: StoredMedia) -> str:
    """inline for what a browser shows safely, attachment for the rest; the name in ASCII
    and in UTF-8 (RFC 6266)."""
    kind = "inline" if media.media_type in INLINE_TYPES else "attachment"
    name = safe_name(media.name)
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _headers(media: StoredMedia) -> dict[str, str]:
    return {
        "Content-Type": media.media_type,
        "Content-Disposition": content_disposition(media),
        "Cache-Control": IMMUTABLE,
        "Content-Security-Policy": SANDBOX,
        "X-Content-Type-Options": "nosniff",
        "ETag": f'"{media.sha256}"',
    }


class _StoredFile(web.FileResponse):
    """FileResponse for ranges and sendfile, with the content hash as ETag (its own would
    come from the file's time and size) and validators already answered by the view."""

    def __init__(self, path: Any, media: StoredMedia) -> None:
        super().__init__(path, headers=_headers(media))
        self._sha256 = media.sha256

    async def prepare(self, request: web.BaseRequest) -> Any:
        headers = {k: v for k, v in request.headers.items() if k not in CONDITIONALS}
        # Content never changes under a hash, so a range asked with If-Range is always valid.
        return await super().prepare(request.clone(headers=headers))

    @property
    def etag(self) -> ETag | None:
        return ETag(value=self._sha256)

    @etag.setter
    def etag(self, value: Any) -> None:
        self.headers["ETag"] = f'"{self._sha256}"'


def _matches(tags: tuple[ETag, ...] | None, sha256: str) -> bool:
    return tags is not None and any(t.value in (sha256, "*") for t in tags)


async def serve(request: web.Request) -> web.StreamResponse:
    sha256 = request.match_info["sha256"]
    if not is_sha256(sha256):
        raise web.HTTPNotFound(text=_("No such file."))
    async with request.app[SESSIONS]() as session:
        media = await library.find(session, sha256)
    store = request.app[MEDIA]
    path = store.local_path(sha256) if media is not None else None
    if media is None or (path is None and not await store.exists(sha256)):
        raise web.HTTPNotFound(text=_("No such file."))
    if request.headers.get("If-Match") and not _matches(request.if_match, sha256):
        raise web.HTTPPreconditionFailed()
    if _matches(request.if_none_match, sha256) or (
        request.if_modified_since is not None and "If-None-Match" not in request.headers
    ):
        headers = _headers(media)
        del headers["Content-Type"], headers["Content-Disposition"]
        return web.Response(status=304, headers=headers)
    if path is None:
        return await _from_object_store(request, media)
    return _StoredFile(path, media)


async def _from_object_store(request: web.Request, media: StoredMedia) -> web.StreamResponse:
    """A file kept in object storage (media/s3.py): a redirect to a presigned URL when the
    settings ask for one, else the bytes relayed, ranges included."""
    settings, store = request.app[SETTINGS], request.app[MEDIA]
    presign = getattr(store, "presigned_url", None)
    if settings.s3_redirect_downloads and presign is not None:
        url = await presign(media, settings.s3_url_seconds)
        raise web.HTTPTemporaryRedirect(url, headers={"Cache-Control": "private, no-store"})
    headers = _headers(media) | {"Accept-Ranges": "bytes"}
    try:
        wanted = request.http_range
    except ValueError:
        wanted = slice(None, None)
    start, stop = wanted.start, wanted.stop
    if start is None and stop is None:
        response = web.StreamResponse(status=200, headers=headers)
        response.content_length = media.size
        await response.prepare(request)
        for offset in range(0, media.size, RELAY_CHUNK):
            await response.write(await store.read_range(media.sha256, offset, offset + RELAY_CHUNK))
        await response.write_eof()
        return response
    if start is None:
        start = 0
    elif start < 0:  # the last bytes (bytes=-500): aiohttp gives slice(-500, None)
        start, stop = max(media.size + start, 0), None
    stop = media.size if stop is None else min(stop, media.size)
    if start >= media.size or start >= stop:
        raise web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{media.size}"})
    body = await store.read_range(media.sha256, start, stop)
    headers["Content-Range"] = f"bytes {start}-{stop - 1}/{media.size}"
    return web.Response(status=206, body=body, headers=headers)


async def upload(request: web.Request) -> web.StreamResponse:
    """A signed-in user's file, as multipart/form-data: the CSRF token (header X-CSRF-Token,
    or a `csrf` field placed before the file), then the `file` field. 201 with JSON."""
    user = await auth.current_user(request)
    if user is None:
        return _error(401, _("Log in to upload files."))
    limit = request.app[SETTINGS].max_upload_bytes
    if request.content_length is not None and request.content_length > (limit + MULTIPART_OVERHEAD):
        return _error(413, str(TooLarge(limit)))
    csrf_ok = auth.check_csrf(request, request.headers.get(CSRF_HEADER, ""))
    try:
        reader = await request.multipart()
    except MALFORMED:
        return _error(400, _("Send the file as multipart/form-data."))
    part = await _next_part(reader)
    while part is not None:
        if isinstance(part, BodyPartReader) and part.name == "csrf" and part.filename is None:
            try:
                token = await _small_field(part)
            except MALFORMED:
                return _error(400, _("The upload was malformed."))
            csrf_ok = csrf_ok or auth.check_csrf(request, token)
        elif isinstance(part, BodyPartReader) and part.name == FILE_FIELD:
            if not csrf_ok:
                return _error(403, _("The form expired; please send it again."))
            return await _store(request, part, user.actor_id, limit)
        part = await _next_part(reader)
    return _error(400, _("No file was sent (the form field is called “file”)."))


async def _small_field(part: BodyPartReader, limit: int = 1024) -> str:
    """A short text field, read whole but never past `limit` bytes."""
    data = b""
    while chunk := await part.read_chunk(limit):
        data += chunk
        if len(data) > limit:
            return ""
    return data.decode("utf-8", "replace").strip()


async def _next_part(reader: Any) -> Any:
    try:
        return await reader.next()
    except MALFORMED:
        raise web.HTTPBadRequest(text=_("The upload was malformed.")) from None


async def _store(
    request: web.Request, part: BodyPartReader, actor_id: int, limit: int
) -> web.StreamResponse:
    async def chunks() -> Any:
        while chunk := await part.read_chunk(256 * 1024):
            yield chunk

    try:
        media, is_new = await library.add(
            request.app[SESSIONS],
            request.app[MEDIA],
            chunks(),
            name=part.filename or "file",
            uploader_id=actor_id,
            max_bytes=limit,
        )
    except TooLarge as exc:
        return _error(413, str(exc))
    except UnsupportedType as exc:
        return _error(415, str(exc))
    except MALFORMED:
        return _error(400, _("The upload was malformed or broke off; nothing was kept."))
    base = request.app[SETTINGS].base_url
    body = {
        "url": base + media.url_path,
        "sha256": media.sha256,
        "type": media.media_type,
        "size": media.size,
        "name": media.name,
        "thumbnail": base + media.thumbnail_url_path if media.thumbnail_url_path else None,
        "new": is_new,
    }
    return web.json_response(body, status=201, headers={"Location": base + media.url_path})
