"""What the catalogue hands on, from the command line: the sitemap as static files (for an
aggregator whose web server serves them instead of the node)."""

from __future__ import annotations

import os
from pathlib import Path

from compagnon.config import Settings
from compagnon.handover import sitemap
from compagnon.operations import database


async def write_sitemap(settings: Settings, directory: Path) -> list[Path]:
    """Write sitemap.xml (and sitemaps/N.xml past `sitemap_max_urls`) under `directory`, each
    file through a temporary name then renamed, so a web server never serves half a file."""
    size = max(1, min(settings.sitemap_max_urls, sitemap.MAX_URLS))
    written: list[Path] = []
    async with database(settings) as sessions, sessions() as session:
        async for name, body in sitemap.files(session, settings.base_url, size):
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".part")
            partial.write_bytes(body)
            os.replace(partial, path)
            written.append(path)
    return written
