"""Each record's metadata, serialised once and stored (`handover_records.oai_dc`, `.lom`,
migration 0027), so a ListRecords or GetRecord answer is one read of stored bytes put inside
the envelope: building the AMB record, then the oai_dc and LOM trees with lxml, cost about
0.8 ms a record, the whole of a page's time.

When: on the first read after the record changed, not when it is written. A change
(records.note, mark_deleted) writes the row again with the columns empty; the first page or
GetRecord that shows it renders the format asked for the records that lack it and stores it,
and every later harvest reads bytes. Only the format asked: a harvest of `oai_dc` does not
pay for LOM (two thirds of the XML's cost), which most harvesters never ask for. Rendering
at write time would put that millisecond on catalogue sync and the inbox (goal: 3,000
records/s), and on records no harvester reads.

For which rendering: the metadata names this node (its address in record and page URLs, its
name as provider), read from the settings, not from the request (no Host header or language
enters it). `rendered_for` keeps a digest of those and of FORMAT_VERSION; a stored rendering
made for another is rendered again, so a change of domain, of node name or of the builders
(bump FORMAT_VERSION) needs no migration. An author's new name reaches their records through
`forget_actor` (the creator is named in both formats).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from lxml import etree
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.handover.metadata import FORMATS
from compagnon.handover.queries import Record
from compagnon.storage.models import HandoverRecord, Object
from compagnon.storage.sqlite_inline import patience

# How long a reader storing what it rendered waits for the write lock (ms), not the 10 s a
# writer waits (storage/sqlite_inline.py, PostgreSQL's lock_timeout).
READER_WAIT_MS = 200
# Bump when metadata.py changes what it writes: every stored rendering is then made again.
FORMAT_VERSION = "1"

# (records, their AS2 documents) -> {object id: AMB record}: the caller knows the node's
# address and the names of the actors the documents link to (server/views/handover.py).
Describe = Callable[[Sequence[Record], dict[int, dict[str, Any]]], Awaitable[dict[int, Any]]]
PageUrl = Callable[[Record], str]


def rendering(base_url: str, node_name: str) -> str:
    """What a stored rendering was made for: a short digest of what the metadata takes from
    this node (its address and name) and of the builders' version."""
    text = "\n".join((FORMAT_VERSION, base_url, node_name))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def metadata(
    session: AsyncSession,
    records: Sequence[Record],
    prefix: str,
    current: str,
    describe: Describe,
    page_url: PageUrl,
) -> dict[int, bytes]:
    """The `prefix` metadata of each record not deleted (none for a record whose document is
    gone): stored, or rendered now and stored for the next reader."""
    found = {
        r.object_id: r.metadata
        for r in records
        if not r.deleted and r.metadata is not None and r.rendered_for == current
    }
    missing = [r for r in records if not r.deleted and r.object_id not in found]
    if not missing:
        return found
    documents = {
        oid: raw
        for oid, raw in await session.execute(
            select(Object.id, Object.raw).where(Object.id.in_([r.object_id for r in missing]))
        )
        if isinstance(raw, dict)
    }
    described = await describe(missing, documents)
    build = FORMATS[prefix][-1]
    made: list[dict[str, Any]] = []
    for record in missing:
        amb_record = described.get(record.object_id)
        if amb_record is None:
            continue
        found[record.object_id] = part = _serialise(build(amb_record, page_url(record)))
        made.append(
            {
                "oid": record.object_id,
                "stamp": record.datestamp,
                "made_for": current,
                "part": part,
                # A rendering of the other format made for another node name, address or
                # version must not pass as current: emptied (rendered when next asked).
                "kept_for": record.rendered_for == current,
            }
        )
    await _store(session, made, prefix)
    return found


def _serialise(element: etree._Element) -> bytes:
    return bytes(etree.tostring(element, encoding="UTF-8"))


async def _store(session: AsyncSession, made: list[dict[str, Any]], prefix: str) -> None:
    """Best effort: a reader that cannot write (the database busy with a writer) still
    answers, and the next reader renders again. Only if the record has not changed since it
    was read (same datestamp): a newer change keeps its empty columns."""
    if not made:
        return
    table = cast(Table, HandoverRecord.__table__)
    connection = await session.connection()  # Core: one executemany per kind for the page
    try:
        with patience(READER_WAIT_MS / 1000):
            # A reader does not queue behind a writer: past a short wait it answers without
            # storing (a writer's 10 s is past a harvester's patience).
            if connection.dialect.name == "postgresql":
                await connection.exec_driver_sql(f"SET LOCAL lock_timeout = {READER_WAIT_MS}")
            for kept in (True, False):
                rows = [row for row in made if row["kept_for"] is kept]
                if not rows:
                    continue
                values: dict[str, Any] = {
                    prefix: bindparam("part"),
                    "rendered_for": bindparam("made_for"),
                }
                if not kept:
                    values.update({name: None for name in FORMATS if name != prefix})
                statement = (
                    update(table)
                    .where(
                        table.c.object_id == bindparam("oid"),
                        table.c.datestamp == bindparam("stamp"),
                    )
                    .values(values)
                )
                await connection.execute(statement, rows)
            await session.commit()
    except DBAPIError:
        await session.rollback()


async def forget_actor(session: AsyncSession, actor_id: int) -> None:
    """The actor's name changed: their records are rendered again when next read."""
    await session.execute(
        update(HandoverRecord)
        .where(HandoverRecord.actor_id == actor_id, HandoverRecord.rendered_for.is_not(None))
        .values(rendered_for=None)
    )
