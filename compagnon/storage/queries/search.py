"""The one search function over the search index (`search`), and who it leaves out.

The index (its tables, the facet tokens in the full text, keeping it current) is
search_indexing.py's; the matches are read newest first from it, a page at a time.

Facet counts are taken over the newest COUNT_CAP matches, not all of them: counting every
match of a common filter at a million resources costs a full index range per facet; the
first thousand cost the same as the page itself. The page says "1,000+" when it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.facets import shown_title
from compagnon.domain.search_query import SearchFilters, fts5_query
from compagnon.storage.models import (
    FULL_TEXT_COLUMN,
    FULL_TEXT_TABLE,
    Actor,
    Object,
)
from compagnon.storage.queries import statistics_counts
from compagnon.storage.queries.consent import opted_out
from compagnon.storage.queries.search_indexing import (
    FACET_COLUMNS,
    OCCUPATION_PREFIXES,
    SIMPLE,
    TERM_FACETS,
    TOKEN_FACETS,
    dialect_of,
    entries,
    facet_token,
    fts,
    terms,
)

PAGE_SIZE = 20
COUNT_CAP = 1000


@dataclass(frozen=True)
class Hit:
    key: int
    uri: str
    title: str
    published: datetime
    author_name: str
    author_handle: str
    language: str | None
    eqf: int | None
    field: str | None
    type: str | None
    licence: str | None
    sensitive: bool = False  # marked sensitive by its author: shown behind a warning


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    label: str = ""  # the label the document carried (competences), for values we cannot name


@dataclass
class SearchPage:
    hits: list[Hit]
    next_before: int | None  # the cursor of the next (older) page, None on the last
    matches: int  # counted up to COUNT_CAP
    capped: bool  # more than COUNT_CAP match: matches and facet counts are of the newest
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


def _fts5_match(filters: SearchFilters, visibilities: Sequence[str]) -> str:
    """One FTS5 query for the words (in their columns) and every facet (as tokens)."""
    wanted = [f'"{facet_token(name, filters.facet(name))}"' for name in TOKEN_FACETS]
    wanted = [w for w, name in zip(wanted, TOKEN_FACETS, strict=True) if filters.facet(name)]
    if "public" not in visibilities:
        wanted.append(f'"{facet_token("visibility", "unlisted")}"')
    parts = [fts5_query(filters.words)] if filters.words else []
    if wanted:
        parts.append("{facets} : (" + " AND ".join(wanted) + ")")
    match = " AND ".join(parts)
    if "unlisted" not in visibilities:
        match = f'({match}) NOT {{facets}} : "{facet_token("visibility", "unlisted")}"'
    return match


def _matching(
    dialect: str, filters: SearchFilters, visibilities: Sequence[str]
) -> tuple[Select[Any], ColumnElement[Any]]:
    """The entries that match (their key and facets), and the column to order them by, the
    one the database can read backwards from an index and stop at the page's end."""
    query = select(entries.c.sort_key, *FACET_COLUMNS.values())
    filtered = filters.words or any(filters.facet(name) is not None for name in TOKEN_FACETS)
    if dialect == "sqlite" and filtered:
        match = text(f"{FULL_TEXT_TABLE} MATCH :match").bindparams(
            match=_fts5_match(filters, visibilities)
        )
        query = query.select_from(fts).join(entries, entries.c.sort_key == fts.c.rowid)
        return query.where(match), fts.c.rowid
    query = query.where(entries.c.visibility.in_(visibilities))
    order: ColumnElement[Any] = entries.c.sort_key
    for name, col in FACET_COLUMNS.items():
        value = getattr(filters, name)
        if value is not None:
            query = query.where(col == value)
    chosen = [n for n in TOKEN_FACETS if filters.facet(n) is not None]
    term = next((filters.facet(n) for n in TERM_FACETS if filters.facet(n) is not None), None)
    if filters.words or (term is not None and len(chosen) > 1):
        # Words, or a competence with other facets: all in one tsquery, so the GIN index can
        # intersect a rare combination itself; the column tests above let the planner take a
        # facet's B-tree range instead when the combination is common. Facets alone stay
        # column tests: a (facet, sort key) range filtered by the others was 10x faster
        # than intersecting two common tokens (eqf=3 and field=0715: 450 ms at 1M).
        tokens = [facet_token(n, filters.facet(n)) for n in chosen]
        tsv: ColumnElement[Any] = literal_column(f"search_entries.{FULL_TEXT_COLUMN}")
        text_query = " & ".join([*filters.words, *tokens])
        query = query.where(tsv.op("@@")(func.to_tsquery(SIMPLE, text_query)))
    elif term is not None:  # alone: its newest resources are one index range
        query = query.join(terms, terms.c.sort_key == entries.c.sort_key).where(
            terms.c.term == term
        )
        order = terms.c.sort_key
    return query, order


async def search(
    session: AsyncSession,
    filters: SearchFilters,
    *,
    before: int | None = None,
    visibilities: Sequence[str] = ("public",),
    limit: int = PAGE_SIZE,
    count_cap: int = COUNT_CAP,
    with_facets: bool = True,
) -> SearchPage:
    """Learning resources matching the words (all of them, as prefixes) and every facet
    given, newest first, `limit` at a time below the cursor `before`; with the number of
    matches and the facet counts of the current filters, both over at most `count_cap`."""
    dialect = dialect_of(session)
    if dialect == "postgresql":
        # A parallel plan's start (~5 ms for the workers) costs more than these short, LIMITed
        # reads ever gain from it; for this transaction only.
        await session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    matching, order = _matching(dialect, filters, visibilities)
    matching = matching.where(entries.c.actor_id.not_in(unlisted_authors()))
    paged = matching.where(order < before) if before is not None else matching
    page = (
        paged.with_only_columns(order.label("sort_key"))
        .order_by(order.desc())
        .limit(limit + 1)
        .subquery("page")
    )
    rows = (
        await session.execute(
            select(
                entries,
                Object.uri,
                Object.name,
                Object.raw,  # for `sensitive` (SQLite's JSON functions lose booleans)
                Actor.name.label("author_name"),
                Actor.username,
                Actor.domain,
            )
            .join(page, page.c.sort_key == entries.c.sort_key)
            .join(Object, Object.id == entries.c.object_id)
            .join(Actor, Actor.id == entries.c.actor_id)
            .order_by(entries.c.sort_key.desc())
        )
    ).all()
    hits = [
        Hit(
            key=r.sort_key,
            uri=r.uri,
            title=r.name or (shown_title(r.raw) if isinstance(r.raw, dict) else "") or r.uri,
            published=r.published,
            author_name=r.author_name or r.username,
            author_handle=f"{r.username}@{r.domain}",
            language=r.language,
            eqf=r.eqf,
            field=r.isced,
            type=r.resource_type,
            licence=r.licence,
            sensitive=isinstance(r.raw, dict) and r.raw.get("sensitive") is True,
        )
        for r in rows[:limit]
    ]
    result = SearchPage(
        hits=hits,
        next_before=hits[-1].key if len(rows) > limit else None,
        matches=len(hits),
        capped=False,
    )
    if with_facets:
        await _count(session, result, matching, order, count_cap)
    return result


def hidden_authors() -> CompoundSelect[Any]:
    """Authors kept out of search by moderation: suspended or silenced actors, and everyone on
    a silenced host (storage/queries/peers.py: set_policy). One rule with the statistics'."""
    return statistics_counts.hidden_authors()


def unlisted_authors() -> CompoundSelect[Any]:
    """Authors search leaves out: hidden by moderation, or who did not consent to being
    indexed (`indexable` / `discoverable` false: storage/queries/consent.py). Each part
    reads its own index (statistics_counts.hidden_authors says why)."""
    return union_all(*statistics_counts.hidden_author_parts(), select(Actor.id).where(opted_out()))


async def _count(
    session: AsyncSession,
    result: SearchPage,
    matching: Select[Any],
    order: ColumnElement[Any],
    cap: int,
) -> None:
    """Matches and facet counts over the newest `cap` + 1 matches, in one statement. The
    matches are read once (MATERIALIZED: both databases would otherwise run the CTE once per
    facet) with their facet columns, so each facet is a GROUP BY over at most cap + 1 rows."""
    newest = (
        matching.order_by(order.desc()).limit(cap + 1).cte("newest").prefix_with("MATERIALIZED")
    )
    parts: list[Any] = [
        select(
            literal("total").label("facet"),
            cast(literal(None), String).label("value"),
            func.count().label("n"),
            literal("").label("label"),
        ).select_from(newest)
    ]
    for name, col in FACET_COLUMNS.items():
        value = newest.c[col.name]
        parts.append(
            select(literal(name), cast(value, String), func.count(), literal(""))
            .where(value.is_not(None))
            .group_by(value)
        )
    # IN, not a join: joined, SQLite walks all of search_terms in term order for the GROUP BY.
    is_occupation = or_(*(terms.c.term.startswith(p) for p in OCCUPATION_PREFIXES))
    parts.append(
        select(
            case((is_occupation, literal("occupation")), else_=literal("competence")),
            terms.c.term,
            func.count(),
            func.max(terms.c.label),
        )
        .where(terms.c.sort_key.in_(select(newest.c.sort_key)))
        .group_by(terms.c.term)
    )
    facets: dict[str, list[FacetValue]] = {}
    for facet, value, n, label in (await session.execute(union_all(*parts))).all():
        if facet == "total":
            result.matches = min(int(n), cap)
            result.capped = int(n) > cap
        else:
            facets.setdefault(facet, []).append(FacetValue(str(value), int(n), label or ""))
    for values in facets.values():
        values.sort(key=lambda v: (-v.count, v.value))
    result.facets = facets
