"""The search index of learning resources, ours and our peers': keeping it current
(`index_objects`, `unindex`) and the one search function (`search`).

Tables (models.SearchEntry, SearchTerm and the full text of migration 0005): one entry per
resource with its single-valued facets; one term row per competence; the words of title,
description and keywords in an FTS5 table (SQLite, rowid = sort key) or a tsvector column
with a GIN index (PostgreSQL). Every list is ordered by the sort key (domain/facets.py), so a
page is an index range read backwards and the next page starts below the last key shown.

Both full texts also hold the words' prefixes and every facet value as tokens
(`facet_tokens`). On SQLite any filtered search is then one MATCH: FTS5 intersects posting
lists in rowid order, where joining word matches to facet columns would read every match of
a common word to find a rare combination. On PostgreSQL the planner, with statistics, picks
between the GIN index and the (facet, sort key) B-trees.

Facet counts are taken over the newest COUNT_CAP matches, not all of them: counting every
match of a common filter at a million resources costs a full index range per facet; the
first thousand cost the same as the page itself. The page says "1,000+" when it stopped.
"""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    Text,
    bindparam,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.facets import extract, prefixes, shown_title, sort_key
from compagnon.domain.resources import ESCO_OCCUPATION, ISCO
from compagnon.domain.search_query import SearchFilters, fts5_query
from compagnon.storage.models import (
    FULL_TEXT_COLUMN,
    FULL_TEXT_TABLE,
    Actor,
    Object,
    Peer,
    SearchEntry,
    SearchTerm,
)
from compagnon.storage.queries import statistics_counts
from compagnon.storage.queries.consent import opted_out

PAGE_SIZE = 20
COUNT_CAP = 1000
CHUNK = 500  # ids per IN (...) list: SQLite's default limit of bound parameters is 999 or more

IndexRow = tuple[int, datetime, int, dict[str, Any]]  # object id, published, actor id, AS2 doc

entries = typing.cast(Table, SearchEntry.__table__)
terms = typing.cast(Table, SearchTerm.__table__)
fts = table(
    FULL_TEXT_TABLE,
    column("rowid", Integer),
    column("words", Text),
    column("prefixes", Text),
    column("facets", Text),
)
# search_entries as PostgreSQL has it: with the tsvector column the models leave out.
pg_entries = table(
    "search_entries", *(column(c.name, c.type) for c in entries.c), column(FULL_TEXT_COLUMN)
)
FACET_COLUMNS = {
    "lang": entries.c.language,
    "eqf": entries.c.eqf,
    "field": entries.c.isced,
    "type": entries.c.resource_type,
    "licence": entries.c.licence,
    "country": entries.c.country,  # the origin node's country (migration 0022)
    "centre": entries.c.host,  # the origin node: which centre
}
# Origins of the authors of a batch: actor id → (host, country), as index_objects takes them.
Origins = typing.Mapping[int, tuple[str | None, str | None]]


# PostgreSQL's tsvector: the words, their prefixes of 3-8 letters and the facet tokens as
# plain lexemes, stripped of positions (no phrase search): small rows to test, and a GIN
# index that needs no recheck. Stored prefixes rather than `word:*` queries because the
# planner has statistics for stored lexemes and none for `:*`: it guessed two common prefixes
# 25 times too common and read 800,000 rows backwards instead of using the index.
SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
PG_TSV = func.strip(
    func.to_tsvector(
        SIMPLE,
        bindparam("words")
        .concat(" ")
        .concat(bindparam("prefixes"))
        .concat(" ")
        .concat(bindparam("facets")),
    )
)

TOKEN_KINDS = {
    "visibility": "vis",
    **{name: name for name in FACET_COLUMNS},
    "competence": "c",
    "occupation": "o",
}
TERM_FACETS = ("competence", "occupation")  # many values a resource, rows of search_terms
TOKEN_FACETS = (*FACET_COLUMNS, *TERM_FACETS)
# Occupations share search_terms with competences (their URIs never meet); counts tell them
# apart by these prefixes.
OCCUPATION_PREFIXES = (ESCO_OCCUPATION, ISCO)


def facet_token(kind: str, value: object | None) -> str:
    """One full-text token for a facet value (FTS5 and tsvector alike): letters and digits
    only, whatever the value holds (URIs, codes), so tokenizers keep it whole and short."""
    digest = hashlib.blake2b(str(value).encode(), digest_size=8).hexdigest()
    return f"{TOKEN_KINDS[kind]}{digest}"


def facet_tokens(
    entry: dict[str, Any], competence_terms: Iterable[str], occupation_terms: Iterable[str] = ()
) -> str:
    """A resource's facet tokens. Public is the rule, so only the exception is a token: a
    token in nearly every row would slow every intersection."""
    tokens = [] if entry["visibility"] == "public" else [facet_token("visibility", "unlisted")]
    for name, col in FACET_COLUMNS.items():
        if entry.get(col.name) is not None:
            tokens.append(facet_token(name, entry[col.name]))
    tokens += [facet_token("competence", term) for term in competence_terms]
    tokens += [facet_token("occupation", term) for term in occupation_terms]
    return " ".join(tokens)


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


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


async def unindex(session: AsyncSession, object_ids: Sequence[int]) -> None:
    """Remove objects from the index (deleted, or no longer a public learning resource)."""
    sqlite = _dialect(session) == "sqlite"
    # The statistics counts follow in the same transaction (queries/statistics_counts.py).
    counted = await statistics_counts.held(session, object_ids)
    for ids in _chunks(list(object_ids)):
        keys = select(entries.c.sort_key).where(entries.c.object_id.in_(ids))
        if sqlite:  # a virtual table takes no foreign key: its rows go by hand
            await session.execute(delete(fts).where(fts.c.rowid.in_(keys)))
        await session.execute(delete(terms).where(terms.c.sort_key.in_(keys)))
        await session.execute(delete(entries).where(entries.c.object_id.in_(ids)))
    await statistics_counts.subtract(session, counted)


def index_statements(
    dialect: str, rows: Sequence[IndexRow], origins: Origins | None = None
) -> list[tuple[Any, list[Any]]]:
    """The inserts that index `rows` (after `unindex` of them), each with its parameter list:
    shared by `index_objects` and migration 0005's backfill, which runs them synchronously
    (without `origins`: the host and country columns come with migration 0022)."""
    found: list[dict[str, Any]] = []
    competences: list[dict[str, Any]] = []
    tokens: list[dict[str, Any]] = []
    for object_id, published, actor_id, doc in rows:
        facets = extract(doc)
        if facets is None:
            continue
        key = sort_key(published, object_id)
        entry = {
            "sort_key": key,
            "object_id": object_id,
            "actor_id": actor_id,
            "published": published,
            "visibility": facets.visibility,
            "language": facets.language,
            "eqf": facets.eqf,
            "isced": facets.isced,
            "resource_type": facets.resource_type,
            "licence": facets.licence,
        }
        if origins is not None:
            entry["host"], entry["country"] = origins.get(actor_id, (None, None))
        found.append(entry)
        held = dict(facets.competences)
        held.update((t, lb) for t, lb in facets.occupations if t not in held)
        competences += [{"term": t, "sort_key": key, "label": lb} for t, lb in held.items()]
        occupations = [t for t, _ in facets.occupations]
        competence_terms = [t for t, _ in facets.competences if t not in occupations]
        tokens.append(
            {
                "rowid": key,
                "words": facets.words,
                "prefixes": prefixes(facets.words),
                "facets": facet_tokens(entry, competence_terms, occupations),
            }
        )
    statements: list[tuple[Any, list[Any]]] = []
    if dialect == "postgresql":
        with_words = [
            {**e, "words": t["words"], "facets": t["facets"], "prefixes": t["prefixes"]}
            for e, t in zip(found, tokens, strict=True)
        ]
        statements.append((insert(pg_entries).values(tsv=PG_TSV), with_words))
    else:
        statements += [(insert(entries), found), (insert(fts), tokens)]
    statements.append((insert(terms), competences))
    return [(statement, params) for statement, params in statements if params]


async def index_objects(
    session: AsyncSession,
    rows: Sequence[IndexRow],
    *,
    fresh: bool = False,
    origins: Origins | None = None,
) -> int:
    """(Re-)index objects from their AS2 documents; idempotent, so an Update re-runs it.
    Objects that are not public or unlisted learning resources are taken out of the index.
    `fresh`: the objects were inserted in this transaction, so none is indexed yet and the
    removal before indexing is skipped (the received-objects path). Returns how many are
    indexed."""
    if not fresh:
        await unindex(session, [object_id for object_id, *_ in rows])
    indexed = 0
    for statement, params in index_statements(_dialect(session), rows, origins or {}):
        await session.execute(statement, params)
        if statement.table.name == entries.name:
            indexed = len(params)
            await statistics_counts.add(session, params)
    return indexed


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
    dialect = _dialect(session)
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


def hidden_authors() -> Select[Any]:
    """Authors kept out of search by moderation: suspended or silenced actors, and everyone on
    a silenced host (storage/queries/peers.py: set_policy). One rule with the statistics'."""
    return statistics_counts.hidden_authors()


def unlisted_authors() -> Select[Any]:
    """Authors search leaves out: hidden by moderation, or who did not consent to being
    indexed (`indexable` / `discoverable` false: storage/queries/consent.py)."""
    silenced = select(Peer.host).where(Peer.silenced.is_(True))
    return select(Actor.id).where(
        or_(
            Actor.suspended_at.is_not(None),
            Actor.silenced_at.is_not(None),
            Actor.domain.in_(silenced),
            opted_out(),
        )
    )


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


async def set_country(session: AsyncSession, host: str, country: str) -> int:
    """A node's country became known or changed (its centre's profile): its entries take the
    new country, column and full-text token alike. Rare (a centre's first fetch or an Update
    that changes it), so the host's entries are rewritten a chunk at a time. Returns how
    many changed."""
    rows = (
        await session.execute(
            select(entries.c.sort_key, entries.c.country).where(
                entries.c.host == host,
                or_(entries.c.country.is_(None), entries.c.country != country),
            )
        )
    ).all()
    new = facet_token("country", country)
    for old_country in {old for _, old in rows}:
        old = facet_token("country", old_country) if old_country is not None else ""
        keys = [key for key, was in rows if was == old_country]
        for chunk in _chunks(keys):
            if _dialect(session) == "postgresql":
                await session.execute(
                    text(
                        "UPDATE search_entries SET tsv = strip(ts_delete(tsv, CAST(:old AS text))"
                        " || to_tsvector('simple', :new)) WHERE sort_key = ANY(:keys)"
                    ),
                    {"old": old, "new": new, "keys": list(chunk)},
                )
            else:
                # The tokens are space-separated: the old one out, the new one in.
                await session.execute(
                    text(
                        "UPDATE search_fts SET facets = trim(replace(' ' || facets || ' ',"
                        " ' ' || :old || ' ', ' ') || ' ' || :new) WHERE rowid IN"
                        f" ({', '.join(str(int(key)) for key in chunk)})"
                    ),
                    {"old": old, "new": new},
                )
        for chunk in _chunks(keys):
            await session.execute(
                entries.update().where(entries.c.sort_key.in_(chunk)).values(country=country)
            )
    return len(rows)
