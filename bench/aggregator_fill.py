"""Filling a national aggregator's PostgreSQL database in bulk (COPY) with the rows the node's
ingest writes for each received learning resource, so the aggregator scenario can start at a
million records without receiving a million activities:

- actors: per centre (host) one `Organization` naming its country (`addressCountry`) and
  `TRAINERS_PER_CENTRE` trainers (`Person`), as fetching their documents stores them;
- objects: the resources (datagen_resources.ResourceSet: skewed facets, ~1 KB AS2 document each);
- search_entries (with host, country and the tsvector, facet tokens included) and
  search_terms, as `storage/queries/search_indexing.py: index_statements` makes them;
- handover_records and handover_sets (the OAI repository), as `handover/records.py: note`
  makes them (`membership` of each document; the datestamp is the publication time);
- statistics_counts and statistics_authors: computed by the node's own
  `statistics_counts.rebuild` after the load, which the tests show equal to the counts
  ingest keeps one resource at a time (tests/integration/test_statistics_counts.py).

Secondary indexes are dropped during the load and made again after, then ANALYZE.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import asyncpg
import orjson

from bench.datagen import ACTOR_COLUMNS, OBJECT_COLUMNS, START
from bench.datagen_resources import ENTRY_COLUMNS_SEARCH, TERM_COLUMNS, ResourceSet
from bench.pgscratch import asyncpg_dsn
from compagnon.handover.sets import languages_text, membership
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.queries import statistics_counts

COUNTRIES = ("ES", "PT", "FR", "IT", "RO", "DE", "NL", "BE", "AT", "PL")
TRAINERS_PER_CENTRE = 2
CHUNK = 20_000
TABLES = ("objects", "search_entries", "search_terms", "handover_records", "handover_sets")


def resource_set(records: int, centres: int, first_actor_id: int) -> ResourceSet:
    return ResourceSet(
        records,
        first_actor_id,
        trainers=centres * TRAINERS_PER_CENTRE,
        hosts=centres,
        countries=COUNTRIES,
    )


def actor_rows(data: ResourceSet) -> Iterator[tuple[Any, ...]]:
    """Trainers (ids first_actor_id + i, host i % hosts), then one centre per host."""

    def row(actor_id: int, host: str, kind: str, name: str, raw: dict[str, Any]) -> tuple[Any, ...]:
        uri = f"https://{host}/users/{name}"
        document = {"id": uri, "type": kind, "preferredUsername": name, **raw}
        return (
            actor_id,
            uri,
            kind,
            name,
            host,
            False,
            name.capitalize(),
            "",
            f"{uri}/inbox",
            f"{uri}/outbox",
            f"https://{host}/inbox",
            f"{uri}/followers",
            f"{uri}/following",
            uri,
            False,
            f"{uri}#main-key",
            "",
            START,
            json.dumps(document),
        )

    for i in range(data.trainers):
        actor_id = data.first_actor_id + i
        yield row(actor_id, data.host_of(i), "Person", f"trainer{actor_id}", {})
    for h in range(data.hosts):
        yield row(
            data.first_actor_id + data.trainers + h,
            data.host_of(h),
            "Organization",
            "centre",
            {"addressCountry": data.country_of(h)},
        )


async def load(url: str, data: ResourceSet) -> None:
    """Bulk-load `data` into the migrated database at `url` (SQLAlchemy asyncpg URL)."""
    db = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await db.execute("SET session_replication_role = replica")  # no FK triggers
        saved = await db.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            list(TABLES),
        )
        for index in saved:
            await db.execute(f'DROP INDEX "{index["indexname"]}"')
        await db.copy_records_to_table(
            "actors", records=list(actor_rows(data)), columns=[*ACTOR_COLUMNS, "raw"]
        )
        await db.execute("CREATE TEMP TABLE staging (LIKE search_entries INCLUDING DEFAULTS)")
        await db.execute(
            "ALTER TABLE staging DROP COLUMN tsv, ADD COLUMN words text, "
            "ADD COLUMN prefixes text, ADD COLUMN facets text"
        )
        entry_columns = [*ENTRY_COLUMNS_SEARCH, "host", "country"]
        chunk: dict[str, list[Any]] = {name: [] for name in (*TABLES, "staging")}

        async def flush() -> None:
            await db.copy_records_to_table(
                "objects", records=chunk["objects"], columns=list(OBJECT_COLUMNS)
            )
            await db.copy_records_to_table(
                "staging",
                records=chunk["staging"],
                columns=[*entry_columns, "words", "prefixes", "facets"],
            )
            await db.copy_records_to_table(
                "search_terms", records=chunk["search_terms"], columns=list(TERM_COLUMNS)
            )
            await db.copy_records_to_table(
                "handover_records",
                records=chunk["handover_records"],
                columns=[
                    "object_id",
                    "actor_id",
                    "datestamp",
                    "deleted",
                    "country",
                    "isced",
                    "eqf",
                    "languages",
                ],
            )
            await db.copy_records_to_table(
                "handover_sets",
                records=chunk["handover_sets"],
                columns=["set_spec", "object_id", "datestamp"],
            )
            for rows in chunk.values():
                rows.clear()

        for obj, entry, fts_row, terms in data.rows():
            object_id, actor_id, published = obj[0], obj[3], obj[13]
            chunk["objects"].append(obj)
            chunk["staging"].append((*entry, *fts_row[1:]))
            chunk["search_terms"].extend(terms)
            sets = membership(orjson.loads(obj[12]), entry[-1])
            chunk["handover_records"].append(
                (
                    object_id,
                    actor_id,
                    published,
                    False,
                    sets.country,
                    sets.isced,
                    sets.eqf,
                    languages_text(sets.languages),
                )
            )
            chunk["handover_sets"].extend(
                (f"lang:{code}", object_id, published) for code in sets.languages
            )
            if len(chunk["objects"]) >= CHUNK:
                await flush()
        if chunk["objects"]:
            await flush()
        listed = ", ".join(entry_columns)
        await db.execute(
            f"INSERT INTO search_entries ({listed}, tsv) SELECT {listed}, "
            "strip(to_tsvector('simple', words || ' ' || prefixes || ' ' || facets))"
            " FROM staging"
        )
        await db.execute("DROP TABLE staging")
        for index in saved:
            await db.execute(index["indexdef"])
        for table in ("actors", "objects"):
            await db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    finally:
        await db.close()
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            await statistics_counts.rebuild(session)  # the node's own code
    finally:
        await engine.dispose()
    db = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await db.execute("ANALYZE")
    finally:
        await db.close()
