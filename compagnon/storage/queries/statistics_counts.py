"""The statistics page's counts, pre-aggregated (tables `statistics_counts`,
`statistics_authors`) and kept current by the search index's own writes: `index_objects` and
`unindex` (storage/queries/search_indexing.py) call `add` and `subtract` in the same transaction, so
publishing, the inbox's Create/Update/Delete, catalogue sync and imports need no hook of
their own. What changes whether an author is counted (consent, moderation) calls
`recount_authors`. `rebuild` recomputes everything from the index (`compagnon statistics
rebuild`, migration 0024's backfill).

What is counted (the one definition: `counted_actors`): public entries of the search index
whose author is not the node's service actor (`Application`), not kept out of search by
moderation (suspended, silenced, on a silenced host) and consents to indexing
(storage/queries/consent.py).

An author's row in `statistics_authors` exists only while their entries are in the counts:
deletions subtract exactly when it is there, additions add when it is there or the author
counts now, so an author's entries are always all in or all out, and `recount_authors`
moves them together.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Executable,
    Select,
    Table,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy import String as SqlString
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import (
    Actor,
    Peer,
    SearchEntry,
    StatisticsAuthor,
    StatisticsCount,
)
from compagnon.storage.queries.consent import consenting

CHUNK = 500
UNKNOWN = ""  # the key of "not said" in every dimension
# The dimension names and the entry column each counts (`month` is computed from published).
DIMENSIONS = {
    "field": "isced",
    "eqf": "eqf",
    "language": "language",
    "licence": "licence",
    "type": "resource_type",
}
ENTRY_FIELDS = ("actor_id", "visibility", "published", *DIMENSIONS.values())

counts = typing.cast(Table, StatisticsCount.__table__)
authors = typing.cast(Table, StatisticsAuthor.__table__)


def moderated() -> ColumnElement[bool]:
    """WHERE clause: the actor is suspended or silenced (the partial index
    ix_actors_moderated is written with this predicate)."""
    return (Actor.suspended_at.is_not(None)) | (Actor.silenced_at.is_not(None))


def hidden_authors() -> CompoundSelect[Any]:
    """Authors kept out of search by moderation (suspended, silenced, on a silenced host);
    search.py reads the same rule. Two index reads, not one scan of every actor: the
    moderated few through their partial index, and the actors of silenced hosts through
    the domain index (as one OR, the planner read the whole table for each query)."""
    return union_all(*hidden_author_parts())


def hidden_author_parts() -> tuple[Select[Any], Select[Any]]:
    """The two SELECTs of hidden_authors, for a union that adds its own (search.py)."""
    on_silenced_hosts = (
        select(Actor.id).join(Peer, Peer.host == Actor.domain).where(Peer.silenced.is_(True))
    )
    return select(Actor.id).where(moderated()), on_silenced_hosts


def counted_actors() -> Select[Any]:
    """The ids of the actors whose resources are counted (and exported: handover/counted.py)."""
    return select(Actor.id).where(
        Actor.type != "Application",
        Actor.id.not_in(hidden_authors()),
        consenting(),
    )


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _key(value: Any) -> str:
    return UNKNOWN if value is None else str(value)


def month_of(published: datetime) -> str:
    return published.strftime("%Y-%m")


Delta = dict[tuple[str, str], int]


def deltas(entries: Iterable[Mapping[str, Any]], sign: int) -> Delta:
    """Each (dimension, key) the entries count in, times `sign`."""
    found: Delta = {}
    for entry in entries:
        keys = [(name, _key(entry[column])) for name, column in DIMENSIONS.items()]
        keys.append(("month", month_of(entry["published"])))
        for key in keys:
            found[key] = found.get(key, 0) + sign
    return found


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


async def _present(session: AsyncSession, actor_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for ids in _chunks(sorted(set(actor_ids))):
        found.update(
            await session.scalars(
                select(StatisticsAuthor.actor_id).where(StatisticsAuthor.actor_id.in_(ids))
            )
        )
    return found


async def _counted_now(session: AsyncSession, actor_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for ids in _chunks(sorted(set(actor_ids))):
        found.update(await session.scalars(counted_actors().where(Actor.id.in_(ids))))
    return found


async def _upsert_counts(session: AsyncSession, delta: Delta) -> None:
    """Add each delta to its row (made when missing); rows left at zero go. Sorted, so two
    transactions touching the same rows lock them in the same order."""
    rows = [{"dimension": d, "key": k, "count": n} for (d, k), n in sorted(delta.items()) if n]
    if not rows:
        return
    make = pg_insert if _dialect(session) == "postgresql" else sqlite_insert
    statement = make(counts)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[counts.c.dimension, counts.c.key],
            set_={"count": counts.c.count + statement.excluded.count},
        ),
        rows,
    )
    if any(n < 0 for n in delta.values()):
        await session.execute(delete(counts).where(counts.c.count <= 0))


async def add(session: AsyncSession, entries: Sequence[Mapping[str, Any]]) -> None:
    """Entries just written to the search index (dicts with ENTRY_FIELDS): counted when
    public and their author's are."""
    public = [e for e in entries if e["visibility"] == "public"]
    if not public:
        return
    wanted = {int(e["actor_id"]) for e in public}
    counted = await _present(session, wanted)
    if wanted - counted:  # authors seen before are answered by their row alone
        counted |= await _counted_now(session, wanted - counted)
    public = [e for e in public if int(e["actor_id"]) in counted]
    if not public:
        return
    await _upsert_counts(session, deltas(public, 1))
    per_author: dict[int, tuple[int, datetime]] = {}
    for entry in public:
        n, latest = per_author.get(int(entry["actor_id"]), (0, entry["published"]))
        per_author[int(entry["actor_id"])] = (n + 1, max(latest, entry["published"]))
    make = pg_insert if _dialect(session) == "postgresql" else sqlite_insert
    statement = make(authors)
    newer = statement.excluded.latest > authors.c.latest
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[authors.c.actor_id],
            set_={
                "resources": authors.c.resources + statement.excluded.resources,
                "latest": case((newer, statement.excluded.latest), else_=authors.c.latest),
            },
        ),
        [
            {"actor_id": actor_id, "resources": n, "latest": latest}
            for actor_id, (n, latest) in sorted(per_author.items())
        ],
    )


async def held(session: AsyncSession, object_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The public entries of these objects, as `subtract` takes them: read before `unindex`
    deletes them."""
    columns = [getattr(SearchEntry, name) for name in ENTRY_FIELDS]
    found: list[dict[str, Any]] = []
    for ids in _chunks(list(object_ids)):
        rows = await session.execute(
            select(*columns).where(
                SearchEntry.object_id.in_(ids), SearchEntry.visibility == "public"
            )
        )
        found += [dict(zip(ENTRY_FIELDS, row, strict=True)) for row in rows]
    return found


async def subtract(session: AsyncSession, entries: Sequence[Mapping[str, Any]]) -> None:
    """Entries just deleted from the index (read by `held` before): out of the counts when
    their author's row says they were in. The author's newest is read again from the index."""
    if not entries:
        return
    present = await _present(session, {int(e["actor_id"]) for e in entries})
    gone = [e for e in entries if int(e["actor_id"]) in present]
    if not gone:
        return
    await _upsert_counts(session, deltas(gone, -1))
    per_author: dict[int, int] = {}
    for entry in gone:
        per_author[int(entry["actor_id"])] = per_author.get(int(entry["actor_id"]), 0) + 1
    for actor_id, n in sorted(per_author.items()):
        newest = await session.scalar(
            select(func.max(SearchEntry.published)).where(
                SearchEntry.actor_id == actor_id, SearchEntry.visibility == "public"
            )
        )
        if newest is None:
            await session.execute(delete(authors).where(authors.c.actor_id == actor_id))
            continue
        await session.execute(
            authors.update()
            .where(authors.c.actor_id == actor_id)
            .values(resources=authors.c.resources - n, latest=newest)
        )
    await session.execute(delete(authors).where(authors.c.resources <= 0))


async def _entries_of(session: AsyncSession, actor_ids: Sequence[int]) -> list[dict[str, Any]]:
    columns = [getattr(SearchEntry, name) for name in ENTRY_FIELDS]
    found: list[dict[str, Any]] = []
    for ids in _chunks(list(actor_ids)):
        rows = await session.execute(
            select(*columns).where(
                SearchEntry.actor_id.in_(ids), SearchEntry.visibility == "public"
            )
        )
        found += [dict(zip(ENTRY_FIELDS, row, strict=True)) for row in rows]
    return found


async def recount_authors(session: AsyncSession, actor_ids: Iterable[int]) -> None:
    """Whether these authors are counted may have changed (consent given or withdrawn,
    suspended, silenced, their host silenced or not): their entries move into or out of the
    counts together. Cheap when nothing changed (two indexed reads)."""
    wanted = set(actor_ids)
    if not wanted:
        return
    await session.flush()  # the moderation or consent change, visible to the queries below
    present = await _present(session, wanted)
    now = await _counted_now(session, wanted)
    leaving = sorted(present - now)
    if leaving:
        gone = await _entries_of(session, leaving)
        await _upsert_counts(session, deltas(gone, -1))
        for ids in _chunks(leaving):
            await session.execute(delete(authors).where(authors.c.actor_id.in_(ids)))
    coming = sorted((now - present) & await _with_entries(session, wanted - present))
    if coming:
        await add(session, await _entries_of(session, coming))


async def _with_entries(session: AsyncSession, actor_ids: set[int]) -> set[int]:
    found: set[int] = set()
    for ids in _chunks(sorted(actor_ids)):
        found.update(
            await session.scalars(
                select(SearchEntry.actor_id)
                .where(SearchEntry.actor_id.in_(ids), SearchEntry.visibility == "public")
                .distinct()
            )
        )
    return found


async def authors_of_host(session: AsyncSession, host: str) -> list[int]:
    """The actors of a host (a host silenced or no longer: recount them all)."""
    return list(await session.scalars(select(Actor.id).where(Actor.domain == host)))


# --- from scratch -----------------------------------------------------------------------------


def _month_sql(dialect: str) -> ColumnElement[str]:
    # Literal formats: PostgreSQL matches a grouped expression to the selected one only
    # when they are the same text, and two bound parameters are not.
    if dialect == "postgresql":
        return func.to_char(SearchEntry.published, literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), SearchEntry.published)


def rebuild_statements(dialect: str) -> list[Executable]:
    """The statements that recompute both tables from the search index (after emptying
    them): one GROUP BY per dimension, run by `rebuild` and by migration 0024."""
    counted = [
        SearchEntry.visibility == "public",
        SearchEntry.actor_id.in_(counted_actors()),
    ]
    grouped = []
    keyed = [
        (name, func.coalesce(sql_cast(getattr(SearchEntry, column), SqlString), UNKNOWN))
        for name, column in DIMENSIONS.items()
    ]
    for name, key in [*keyed, ("month", _month_sql(dialect))]:
        grouped.append(
            select(literal(name).label("dimension"), key.label("key"), func.count().label("n"))
            .where(*counted)
            .group_by(key)
        )
    return [
        delete(counts),
        delete(authors),
        insert(counts).from_select(["dimension", "key", "count"], union_all(*grouped)),
        insert(authors).from_select(
            ["actor_id", "resources", "latest"],
            select(SearchEntry.actor_id, func.count(), func.max(SearchEntry.published))
            .where(*counted)
            .group_by(SearchEntry.actor_id),
        ),
    ]


async def rebuild(session: AsyncSession) -> int:
    """Recompute the counts from scratch; returns how many resources they count."""
    for statement in rebuild_statements(_dialect(session)):
        await session.execute(statement)
    return int(await session.scalar(select(func.coalesce(func.sum(authors.c.resources), 0))) or 0)


async def snapshot(session: AsyncSession) -> tuple[dict[tuple[str, str], int], dict[int, Any]]:
    """Both tables as they stand (tests compare the incremental counts with a rebuild)."""
    found = {(d, k): int(n) for d, k, n in await session.execute(select(counts))}
    per_author = {
        int(a): (int(n), latest) for a, n, latest in await session.execute(select(authors))
    }
    return found, per_author
