"""Reading the OAI repository's records a page at a time (never all rows): keyset pages on
(datestamp, object id), one index range each, for the whole repository or one set.
A page is two statements: the keys, then the headers (with their sets) and stored metadata.

Records of suspended or silenced actors are left out when read (moderation can change after
a record was written), and so are the live records of actors who do not consent to indexing
(storage/queries/consent.py): a withdrawal turns them into deleted records at once
(records.actor_changed); this is the guard for a path that would not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.handover.sets import COUNTRY, EQF, ISCED, LANG, Membership, languages_of_text
from compagnon.storage.models import HandoverRecord, HandoverSet, Object
from compagnon.storage.queries.consent import non_consenting_actors
from compagnon.storage.queries.search import hidden_authors

PAGE_SIZE = 100
# A window is counted up to this many records; past it completeListSize waits for the last
# page (counting costs a read of the whole window: 1,000,000 rows at a national aggregator).
# 10,000 cost ~27 ms at 100,000 records on PostgreSQL, more than the page it came with.
COUNT_CAP = 1_000
# Each metadata format's stored rendering (handover/rendered.py).
STORED: dict[str, Any] = {"oai_dc": HandoverRecord.oai_dc, "lom": HandoverRecord.lom}
# A record's sets as stored (sets.Membership): read with its header, no statement of its own.
SETS_OF_RECORD = (
    HandoverRecord.country,
    HandoverRecord.isced,
    HandoverRecord.eqf,
    HandoverRecord.languages,
)


@dataclass(frozen=True)
class Window:
    """What one harvest asks for: a set (or all), and datestamps from..until (inclusive,
    full precision; until is frozen at the harvest's start)."""

    set_spec: str | None
    start: datetime | None
    end: datetime


@dataclass(frozen=True)
class Record:
    """A record as a page shows it: its header, and its stored metadata (rendered.py) in the
    format asked, when there is one and `rendered_for` says for which rendering."""

    object_id: int
    datestamp: datetime
    deleted: bool
    uri: str
    is_local: bool
    type: str
    actor_id: int
    set_specs: tuple[str, ...]
    metadata: bytes | None = None
    rendered_for: str | None = None


def _visible() -> ColumnElement[bool]:
    # Suspended and silenced actors, and everyone on a silenced host: as search hides them.
    # Deleted records of actors who withdrew consent stay: they tell harvesters to drop them.
    return and_(
        HandoverRecord.actor_id.not_in(hidden_authors()),
        or_(
            HandoverRecord.deleted.is_(True),
            HandoverRecord.actor_id.not_in(non_consenting_actors()),
        ),
    )


def _keys(window: Window) -> tuple[Any, Any, Any]:
    """(datestamp column, object id column, source) for the window: the language rows when
    a language is asked (their own index), the records otherwise (a country, field or level
    has its own index on the records)."""
    if window.set_spec is not None and window.set_spec.startswith(f"{LANG}:"):
        return HandoverSet.datestamp, HandoverSet.object_id, HandoverSet
    return HandoverRecord.datestamp, HandoverRecord.object_id, HandoverRecord


def _in_set(spec: str) -> ColumnElement[bool]:
    """Membership of the set `spec` (sets.Membership as stored): a parent is "has one"."""
    kind, _, value = spec.partition(":")
    if kind == LANG:
        return HandoverSet.set_spec == spec if value else HandoverRecord.languages.is_not(None)
    column = {
        COUNTRY: HandoverRecord.country,
        ISCED: HandoverRecord.isced,
        EQF: HandoverRecord.eqf,
    }.get(kind)
    if column is None:
        return false()  # no such set: noRecordsMatch
    if not value:
        return column.is_not(None)
    if kind == EQF:
        return column == int(value) if value.isdigit() and len(value) < 3 else false()
    return column == value


def _where(window: Window, stamp: Any) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [stamp <= window.end]
    if window.start is not None:
        found.append(stamp >= window.start)
    if window.set_spec is not None:
        found.append(_in_set(window.set_spec))
    return found


def _ids_query(window: Window) -> Select[Any]:
    stamp, object_id, source = _keys(window)
    query = select(object_id, stamp).select_from(source)
    if source is HandoverSet:
        query = query.join(HandoverRecord, HandoverRecord.object_id == HandoverSet.object_id)
    return query.where(*_where(window, stamp), _visible())


async def count(session: AsyncSession, window: Window) -> int | None:
    """How many records the window holds (asked once, when a harvest starts), or None when
    more than COUNT_CAP: counting a million rows cost more than the page itself, and
    `completeListSize` is optional (the last page gives it)."""
    capped = _ids_query(window).limit(COUNT_CAP + 1).subquery()
    found = int(await session.scalar(select(func.count()).select_from(capped)) or 0)
    return found if found <= COUNT_CAP else None


async def page(
    session: AsyncSession,
    window: Window,
    after: tuple[datetime, int] | None,
    size: int = PAGE_SIZE,
    prefix: str | None = None,
) -> list[Record]:
    """The next `size` records of the window after the keyset position `after`, oldest
    datestamp first, with their sets and their stored metadata in the format `prefix`
    (None: headers only) (two statements)."""
    stamp, object_id, _ = _keys(window)
    query = _ids_query(window)
    if after is not None:
        # The leading `>=` bounds the index range: the OR alone made SQLite read the
        # window from its start on every page.
        query = query.where(stamp >= after[0], or_(stamp > after[0], object_id > after[1]))
    keys = (await session.execute(query.order_by(stamp, object_id).limit(size))).all()
    return await _load(session, [row[0] for row in keys], prefix)


async def by_uri(session: AsyncSession, uri: str, prefix: str | None = None) -> Record | None:
    object_id = await session.scalar(
        select(HandoverRecord.object_id)
        .join(Object, Object.id == HandoverRecord.object_id)
        .where(Object.uri == uri, _visible())
    )
    if object_id is None:
        return None
    found = await _load(session, [object_id], prefix)
    return found[0] if found else None


async def unrendered(
    session: AsyncSession, after: int, prefix: str, current: str, scan: int = 2000
) -> tuple[list[Record], int | None]:
    """The records after object id `after` among the next `scan` (a bounded walk of the
    primary key) whose `prefix` metadata is not stored for the `current` rendering, loaded
    as a page loads them; and where the walk stopped (None: at the end of the table)."""
    needs = and_(
        HandoverRecord.deleted.is_(False),
        or_(
            STORED[prefix].is_(None),
            HandoverRecord.rendered_for.is_(None),
            HandoverRecord.rendered_for != current,
        ),
    )
    walked = (
        await session.execute(
            select(HandoverRecord.object_id, needs)
            .where(HandoverRecord.object_id > after)
            .order_by(HandoverRecord.object_id)
            .limit(scan)
        )
    ).all()
    if not walked:
        return [], None
    ids = [object_id for object_id, wanted in walked if wanted]
    return await _load(session, ids, prefix), (walked[-1][0] if len(walked) == scan else None)


async def _load(session: AsyncSession, ids: list[int], prefix: str | None) -> list[Record]:
    if not ids:
        return []
    stored: list[Any] = []
    if prefix is not None:
        # The documents are not read: a record whose metadata is not stored yet gets it
        # from rendered.py, which reads only those.
        stored = [STORED[prefix], HandoverRecord.rendered_for]
    rows = (
        await session.execute(
            select(
                HandoverRecord.object_id,
                HandoverRecord.datestamp,
                HandoverRecord.deleted,
                Object.uri,
                Object.is_local,
                Object.type,
                Object.actor_id,
                *SETS_OF_RECORD,
                *stored,
            )
            .join(Object, Object.id == HandoverRecord.object_id)
            .where(HandoverRecord.object_id.in_(ids))
        )
    ).all()
    by_id = {
        row[0]: Record(
            object_id=row[0],
            datestamp=row[1],
            deleted=row[2],
            uri=row[3],
            is_local=row[4],
            type=row[5],
            actor_id=row[6],
            set_specs=tuple(Membership(row[7], row[8], row[9], languages_of_text(row[10])).specs),
            metadata=row[11] if prefix is not None else None,
            rendered_for=row[12] if prefix is not None else None,
        )
        for row in rows
    }
    return [by_id[i] for i in ids if i in by_id]


async def earliest(session: AsyncSession) -> datetime | None:
    return await session.scalar(select(func.min(HandoverRecord.datestamp)))


async def set_specs(session: AsyncSession) -> list[str]:
    """Every set that has a record, each value found by one index seek (a loose index scan
    of each set column's index, and of the language rows' primary key), however many
    records each holds."""
    found: list[str] = []
    for kind, table, column in (
        (COUNTRY, "handover_records", "country"),
        (EQF, "handover_records", "eqf"),
        (ISCED, "handover_records", "isced"),
        (LANG, "handover_sets", "set_spec"),
    ):
        values = [str(v) for v in await _distinct(session, table, column)]
        if kind == LANG:
            values = [v.partition(":")[2] for v in values]
        if values:
            found += [kind, *(f"{kind}:{value}" for value in values)]
    return found


async def _distinct(session: AsyncSession, table: str, column: str) -> list[Any]:
    # `table` and `column` are this module's constants, never input.
    query = text(
        f"""
        WITH RECURSIVE found(value) AS (
            SELECT min({column}) FROM {table}
            UNION ALL
            SELECT (SELECT min({column}) FROM {table} WHERE {column} > found.value)
            FROM found WHERE found.value IS NOT NULL
        )
        SELECT value FROM found WHERE value IS NOT NULL
        """
    )
    return [row[0] for row in await session.execute(query)]


async def more_than(session: AsyncSession, limit: int) -> bool:
    """Whether the repository shows more than `limit` records (not deleted): reads at most
    limit + 1 index entries."""
    shown = (
        select(HandoverRecord.object_id)
        .where(HandoverRecord.deleted.is_(False), _visible())
        .limit(limit + 1)
        .subquery()
    )
    return int(await session.scalar(select(func.count()).select_from(shown)) or 0) > limit


async def sitemap_buckets(session: AsyncSession, size: int) -> list[tuple[int, datetime]]:
    """The sitemap files: records (not deleted) grouped by object id into ranges of `size`
    ids (so a file holds at most `size` URLs), each with its newest datestamp."""
    bucket = (HandoverRecord.object_id // size).label("bucket")
    rows = await session.execute(
        select(bucket, func.max(HandoverRecord.datestamp))
        .where(HandoverRecord.deleted.is_(False), _visible())
        .group_by(bucket)
        .order_by(bucket)
    )
    return [(int(b), stamp) for b, stamp in rows]


async def sitemap_entries(
    session: AsyncSession, first_id: int, last_id: int
) -> list[tuple[str, bool, str, datetime]]:
    """(uri, is_local, type, datestamp) of the records whose object id is in the range."""
    rows = await session.execute(
        select(Object.uri, Object.is_local, Object.type, HandoverRecord.datestamp)
        .join(Object, Object.id == HandoverRecord.object_id)
        .where(
            HandoverRecord.object_id >= first_id,
            HandoverRecord.object_id <= last_id,
            HandoverRecord.deleted.is_(False),
            _visible(),
        )
        .order_by(HandoverRecord.object_id)
    )
    return [(uri, local, kind, stamp) for uri, local, kind, stamp in rows]
