"""What `compagnon catalogue export | import | stats | sitemap` do (compagnon/handover/ does
the work): open the database, walk the file or the catalogue, report progress through
callbacks so the command draws its own bar; write the sitemap as static files (for an
aggregator whose web server serves them instead of the node)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from compagnon.config import Settings
from compagnon.handover import sitemap, statistics
from compagnon.handover.amb_import import BadRecord
from compagnon.handover.export import count_exported, whole_catalogue
from compagnon.handover.importer import ImportReport, read_line, store_batch
from compagnon.i18n import _
from compagnon.operations import OperationError, database
from compagnon.storage.queries import statistics_counts

IMPORT_BATCH = 200


async def export_catalogue(
    settings: Settings,
    path: Path,
    *,
    on_start: Callable[[int], None] = lambda total: None,
    on_record: Callable[[], None] = lambda: None,
) -> int:
    """Write every exported AMB record, one JSON object a line, to `path` (through a
    `.part` file renamed at the end, so a half export never passes for a whole one).
    Returns how many."""
    partial = path.with_name(path.name + ".part")
    written = 0
    try:
        out = partial.open("wb")
    except OSError as exc:
        raise OperationError(
            _("cannot write {path}: {reason}", path=path, reason=exc.strerror)
        ) from None
    with out:
        async with database(settings) as sessions:
            async with sessions() as session:
                on_start(await count_exported(session))
            async for record in whole_catalogue(
                sessions, base_url=settings.base_url, provider_name=settings.node_name
            ):
                out.write(orjson.dumps(record) + b"\n")
                written += 1
                on_record()
    os.replace(partial, path)
    return written


async def import_catalogue(
    settings: Settings,
    path: Path,
    *,
    on_start: Callable[[int], None] = lambda size: None,
    on_progress: Callable[[int], None] = lambda done: None,
    on_problem: Callable[[int, str], None] = lambda line, reason: None,
) -> ImportReport:
    """Store the records of an AMB JSON Lines file (handover/importer.py), a batch per
    transaction; `on_progress` gets the bytes read so far, `on_problem` each bad line."""
    try:
        source = path.open("rb")
    except OSError as exc:
        raise OperationError(
            _("cannot read {path}: {reason}", path=path, reason=exc.strerror)
        ) from None
    report = ImportReport()
    with source:
        on_start(os.fstat(source.fileno()).st_size)
        async with database(settings) as sessions:
            batch: list[tuple[int, dict[str, Any]]] = []

            async def flush() -> None:
                async with sessions.begin() as session:
                    await store_batch(
                        session, batch, report, own_host=settings.domain, file_name=path.name
                    )
                batch.clear()
                on_progress(source.tell())

            for number, line in enumerate(source, start=1):
                report.lines = number
                if not line.strip():
                    continue
                try:
                    batch.append((number, read_line(line.strip(), settings.max_json_depth)))
                except BadRecord as exc:
                    report.refuse(number, str(exc))
                    on_problem(number, str(exc))
                if len(batch) >= IMPORT_BATCH:
                    await flush()
            if batch:
                await flush()
            on_progress(source.tell())
    return report


async def catalogue_statistics(settings: Settings) -> statistics.Statistics:
    """The statistics page's numbers (handover/statistics.py)."""
    async with database(settings) as sessions, sessions() as session:
        return await statistics.gather(session, own_country=settings.country)


async def rebuild_statistics(settings: Settings) -> int:
    """Recompute the statistics counts from the search index, in one transaction (readers
    see the old counts until it commits); returns how many resources they count."""
    async with database(settings) as sessions, sessions.begin() as session:
        return await statistics_counts.rebuild(session)


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
