"""The search index of learning resources, ours and our peers': its tables and tokens, and
keeping it current (`index_objects`, `unindex`, `set_country`). Reading it is search.py's.

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
    Table,
    Text,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.facets import extract, prefixes, sort_key
from compagnon.domain.resources import ESCO_OCCUPATION, ISCO
from compagnon.storage.bulk import insert_rows
from compagnon.storage.models import (
    FULL_TEXT_COLUMN,
    FULL_TEXT_TABLE,
    SearchEntry,
    SearchTerm,
)
from compagnon.storage.queries import statistics_counts

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


def tsv_of(words: Any, prefixes: Any, facets: Any) -> ColumnElement[Any]:
    """The one spelling of an entry's vector, from bound parameters (migration 0005's
    backfill) or from a batch's unnested columns (`index_objects`)."""
    return func.strip(func.to_tsvector(SIMPLE, func.concat_ws(" ", words, prefixes, facets)))


# Typed: PostgreSQL cannot infer the type of an argument of concat_ws (variadic "any").
PG_TSV = tsv_of(*(bindparam(name, type_=Text()) for name in ("words", "prefixes", "facets")))

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


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


async def unindex(session: AsyncSession, object_ids: Sequence[int]) -> None:
    """Remove objects from the index (deleted, or no longer a public learning resource)."""
    sqlite = dialect_of(session) == "sqlite"
    # The statistics counts follow in the same transaction (queries/statistics_counts.py).
    counted = await statistics_counts.held(session, object_ids)
    for ids in _chunks(list(object_ids)):
        keys = select(entries.c.sort_key).where(entries.c.object_id.in_(ids))
        if sqlite:  # a virtual table takes no foreign key: its rows go by hand
            await session.execute(delete(fts).where(fts.c.rowid.in_(keys)))
        await session.execute(delete(terms).where(terms.c.sort_key.in_(keys)))
        await session.execute(delete(entries).where(entries.c.object_id.in_(ids)))
    await statistics_counts.subtract(session, counted)


@dataclass
class IndexRows:
    """What indexing a batch writes: its entries, their competence and occupation terms, and
    each entry's full text (words, their prefixes, facet tokens) keyed by `rowid`."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    terms: list[dict[str, Any]] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)

    def entries_with_texts(self) -> list[dict[str, Any]]:
        """Each entry with its words, prefixes and facet tokens: PostgreSQL keeps the full
        text in the entry's own row."""
        return [
            {**e, "words": t["words"], "prefixes": t["prefixes"], "facets": t["facets"]}
            for e, t in zip(self.entries, self.texts, strict=True)
        ]


def index_rows(rows: Sequence[IndexRow], origins: Origins | None = None) -> IndexRows:
    """The rows that index `rows` (after `unindex` of them); without `origins`, no host and
    country columns (migration 0005's backfill: they come with migration 0022)."""
    found = IndexRows()
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
        found.entries.append(entry)
        held = dict(facets.competences)
        held.update((t, lb) for t, lb in facets.occupations if t not in held)
        found.terms += [{"term": t, "sort_key": key, "label": lb} for t, lb in held.items()]
        occupations = [t for t, _ in facets.occupations]
        competence_terms = [t for t, _ in facets.competences if t not in occupations]
        found.texts.append(
            {
                "rowid": key,
                "words": facets.words,
                "prefixes": prefixes(facets.words),
                "facets": facet_tokens(entry, competence_terms, occupations),
            }
        )
    return found


def index_statements(dialect: str, rows: Sequence[IndexRow]) -> list[tuple[Any, list[Any]]]:
    """Migration 0005's backfill, run synchronously: the inserts that index `rows`, each with
    its parameter list (an executemany each)."""
    found = index_rows(rows)
    statements: list[tuple[Any, list[Any]]] = []
    if dialect == "postgresql":
        statements.append((insert(pg_entries).values(tsv=PG_TSV), found.entries_with_texts()))
    else:
        statements += [(insert(entries), found.entries), (insert(fts), found.texts)]
    statements.append((insert(terms), found.terms))
    return [(statement, params) for statement, params in statements if params]


# The full text's inputs, unnested beside the entry's columns (storage/bulk.py).
TEXT_INPUTS = (("words", Text()), ("prefixes", Text()), ("facets", Text()))
TSV_FROM_INPUTS = (
    (FULL_TEXT_COLUMN, lambda batch: tsv_of(batch.words, batch.prefixes, batch.facets)),
)


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
    found = index_rows(rows, origins or {})
    if not found.entries:
        return 0
    connection = await session.connection()
    if dialect_of(session) == "postgresql":
        await insert_rows(
            connection,
            pg_entries,
            found.entries_with_texts(),
            inputs=TEXT_INPUTS,
            computed=TSV_FROM_INPUTS,
        )
    else:
        await insert_rows(connection, entries, found.entries)
        await insert_rows(connection, fts, found.texts)
    await insert_rows(connection, terms, found.terms)
    await statistics_counts.add(session, found.entries)
    return len(found.entries)


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
            if dialect_of(session) == "postgresql":
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
