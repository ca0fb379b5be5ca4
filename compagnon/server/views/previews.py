"""Small previews on pages: a resource's files, and the first one in lists of resources.

Pages show the preview media/thumbnails.py made at upload (WebP, at most 480 px a side, a few
KB), never the file itself, so a list of twenty resources costs twenty small images, each
fetched only when scrolled near (`loading="lazy"`). Only files held here have one: a file
linked on another node is not fetched to draw it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.resources import Attachment
from compagnon.federation.resource_convert import resource_from_document
from compagnon.storage.queries import media as media_queries

_OURS = re.compile(r"/media/([0-9a-f]{64})(?:/[^/?#]*)?")


def stored_sha256(base: str, url: str) -> str | None:
    """The content hash of a file URL of this node (`{base}/media/{sha256}[/{name}]`)."""
    if not url.startswith(base):
        return None
    found = _OURS.fullmatch(url[len(base) :])
    return found.group(1) if found else None


async def of_files(
    session: AsyncSession, base: str, attachments: Iterable[Attachment]
) -> dict[str, str]:
    """File URL → path of its preview, for the files held here that have one."""
    shas = {url: stored_sha256(base, url) for url in (a.url for a in attachments)}
    thumbs = await media_queries.thumbnails_of(session, {s for s in shas.values() if s})
    return {url: f"/media/{thumbs[sha]}" for url, sha in shas.items() if sha and sha in thumbs}


async def of_resources(session: AsyncSession, base: str, uris: set[str]) -> dict[str, str]:
    """Resource URI → path of the preview of its first file that has one (lists)."""
    documents = await media_queries.documents_of(session, uris)
    attachments = {uri: resource_from_document(raw).attachments for uri, raw in documents.items()}
    every = [a for files in attachments.values() for a in files]
    previews = await of_files(session, base, every)
    first: dict[str, str] = {}
    for uri, files in attachments.items():
        found = next((previews[a.url] for a in files if a.url in previews), None)
        if found:
            first[uri] = found
    return first
