"""Learning resources for the search (and aggregator) scenarios, bulk-loaded with their
search index rows (SQLite executemany, PostgreSQL COPY), as datagen.py loads the timeline's."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import orjson

from bench.datagen import (
    ACTOR_COLUMNS,
    AS_PUBLIC,
    CHUNK,
    OBJECT_COLUMNS,
    REMOTE_ACTORS,
    START,
    Dataset,
    insert_sql,
    sqlite_rows,
)

# N remote learning resources with the facets trainers publish (skewed as real catalogues
# are: most VET sits at EQF 3-5, a few languages and trades dominate), their ~1 KB AS2
# document in `raw` as the Create handler stores it, and the search index rows the node's own
# `domain.facets.extract` makes of that document (so the index holds what the node would).

LANGUAGES = {
    "en": 30,
    "de": 15,
    "fr": 12,
    "pt": 10,
    "es": 10,
    "it": 8,
    "pl": 6,
    "nl": 5,
    "fi": 2,
    "sv": 2,
}
EQF_WEIGHTS = {1: 2, 2: 8, 3: 25, 4: 35, 5: 20, 6: 7, 7: 2, 8: 1}
FIELDS = (
    "0715",
    "0713",
    "0716",
    "0732",
    "1013",
    "0921",
    "0611",
    "0722",
    "0721",
    "1012",
    "0413",
    "0416",
    "0714",
    "0811",
    "1041",
    "0415",
    "0923",
    "1015",
    "0212",
    "0812",
    "1022",
    "0612",
    "0913",
    "0723",
    "0613",
    "0412",
    "1014",
    "0922",
    "0731",
    "0214",
)
LICENCES = {
    "https://creativecommons.org/licenses/by-sa/4.0/": 40,
    "https://creativecommons.org/licenses/by/4.0/": 30,
    "https://creativecommons.org/publicdomain/zero/1.0/": 10,
    "https://creativecommons.org/licenses/by-nc-sa/4.0/": 12,
    "https://creativecommons.org/licenses/by-nc/4.0/": 5,
    "https://creativecommons.org/licenses/by-nd/4.0/": 3,
}
TYPES = ("worksheet", "video", "assessment", "course", "slide", "text", "simulation")
ESCO_SKILLS = 300  # distinct ESCO skill URIs in use, beside DigComp's 21 and DigCompEdu's 22
# Words of titles and descriptions: trade words a trainer types, in several languages,
# drawn with a Zipf-like skew (rank r has weight 1/r) so some are common and most are rare.
WORDS_TEXT = (
    "safety welding checklist exercise electrical installation wiring plumbing pipe joint "
    "carpentry timber bakery bread pastry hygiene kitchen menu hotel reception guest "
    "hairdressing colour cutting care elderly patient nursing hygiene logistics warehouse "
    "forklift pallet driving engine diagnostics brakes tyres battery solar panel heat pump "
    "insulation bricklaying mortar concrete formwork scaffold painting plaster tiles roofing "
    "soldadura seguranca cozinha higiene eletricidade canalizacao carpintaria padaria "
    "schweissen sicherheit kueche elektro installation pflege lager holz baecker "
    "soudure securite cuisine electricite plomberie menuiserie boulangerie soins "
    "soldadura seguridad cocina electricidad fontaneria carpinteria panaderia cuidados "
    "saldatura sicurezza cucina elettricita idraulica falegnameria panetteria "
    "quiz video worksheet lesson plan assessment module unit practical theory step guide "
    "beginners advanced introduction tools materials measuring drawing reading maths "
    "customer service sales cash register inventory order invoice spreadsheet email "
    "cloud password privacy copyright licence digital content online collaboration"
)
WORDS = list(dict.fromkeys(WORDS_TEXT.split()))  # each word once, in rank order


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class ResourceSet:
    objects: int
    first_actor_id: int
    seed: int = 11
    trainers: int = REMOTE_ACTORS  # authors, spread over `hosts` centres (trainer i: i % hosts)
    hosts: int = 400
    # The aggregator scenario: each host's country (its centre's addressCountry), so entries
    # carry host and country (and their tokens) as the node's ingest writes them.
    countries: tuple[str, ...] = ()

    def host_of(self, trainer: int) -> str:
        return f"centre{trainer % self.hosts}.example"

    def country_of(self, host_index: int) -> str | None:
        return self.countries[host_index % len(self.countries)] if self.countries else None

    def actors(self) -> Iterator[tuple[Any, ...]]:
        return Dataset(0, [], self.first_actor_id).actors()

    def rows(self) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], str, list[tuple[Any, ...]]]]:
        """(object row, search entry row, its FTS5 row, its competence rows), oldest first."""
        from compagnon.domain.facets import extract, prefixes, sort_key  # the node's own code
        from compagnon.storage.queries.search_indexing import facet_tokens

        rng = random.Random(self.seed)
        word_weights = [1 / (rank + 1) for rank in range(len(WORDS))]
        competences = (
            [f"https://w3id.org/kim/digcomp/g_{n}" for n in range(1, 27)]
            + [
                f"https://centre1.example/vocab/digcompedu/{a}.{b}"
                for a, b in ((1, 1), (1, 4), (2, 1), (2, 2), (2, 3), (3, 1), (4, 1))
            ]
            + [f"http://data.europa.eu/esco/skill/{uuid_of(n)}" for n in range(ESCO_SKILLS)]
        )
        comp_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(competences))]
        recipients = json.dumps({"to": [AS_PUBLIC], "cc": []})
        for i in range(1, self.objects + 1):
            actor = self.first_actor_id + rng.randrange(self.trainers)
            host = self.host_of(actor - self.first_actor_id)
            published = START + timedelta(seconds=30 * i)
            uri = f"https://{host}/resources/{i}"
            words = rng.choices(WORDS, weights=word_weights, k=rng.randrange(12, 30))
            title = " ".join(words[:5]).capitalize()
            doc = {
                "id": uri,
                "type": ["Note", "LearningResource"],
                "attributedTo": f"https://{host}/users/trainer{actor}",
                "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "to": [AS_PUBLIC],
                "cc": [f"https://{host}/users/trainer{actor}/followers"],
                "name": title,
                "summary": " ".join(words[5:]),
                "content": f"<p><strong>{title}</strong></p><p>{' '.join(words[5:])}</p>",
                "license": _weighted(rng, LICENCES),
                "inLanguage": [_weighted(rng, LANGUAGES)],
                "keywords": words[:2],
                "learningResourceType": [
                    {"id": f"https://w3id.org/kim/hcrt/{rng.choice(TYPES)}", "type": "Concept"}
                ],
                "educationalAlignment": [
                    {
                        "type": "AlignmentObject",
                        "alignmentType": "educationalLevel",
                        "targetUrl": f"http://data.europa.eu/snb/eqf/{_weighted(rng, EQF_WEIGHTS)}",
                    },
                    {
                        "type": "AlignmentObject",
                        "alignmentType": "educationalSubject",
                        "targetUrl": "http://data.europa.eu/snb/isced-f/"
                        f"{rng.choices(FIELDS, [1 / (r + 1) for r in range(30)])[0]}",
                    },
                ],
                "teaches": [
                    {"id": c}
                    for c in set(
                        rng.choices(competences, comp_weights, k=rng.choice((0, 1, 1, 2, 2, 3)))
                    )
                ],
            }
            facets = extract(doc)
            assert facets is not None
            key = sort_key(published, i)
            obj = (
                i,
                uri,
                "LearningResource",
                actor,
                False,
                "public",
                doc["content"],
                doc["summary"],
                title,
                facets.language,
                uri,
                recipients,
                orjson.dumps(doc).decode(),
                published,
                None,
            )
            entry = (
                key,
                i,
                actor,
                published,
                facets.visibility,
                facets.language,
                facets.eqf,
                facets.isced,
                facets.resource_type,
                facets.licence,
            )
            terms = [(term, key, label) for term, label in facets.competences]
            as_dict = dict(zip(ENTRY_COLUMNS_SEARCH, entry, strict=True))
            if self.countries:  # origin columns (migration 0022), as index_objects writes
                origin = (host, self.country_of((actor - self.first_actor_id) % self.hosts))
                entry = (*entry, *origin)
                as_dict.update(host=origin[0], country=origin[1])
            tokens = facet_tokens(as_dict, (term for term, _ in facets.competences))
            yield obj, entry, (key, facets.words, prefixes(facets.words), tokens), terms


def uuid_of(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-{n:012x}"


ENTRY_COLUMNS_SEARCH = (
    "sort_key",
    "object_id",
    "actor_id",
    "published",
    "visibility",
    "language",
    "eqf",
    "isced",
    "resource_type",
    "licence",
)
TERM_COLUMNS = ("term", "sort_key", "label")
SEARCH_TABLES = ("objects", "search_entries", "search_terms")


def _resource_chunks(
    data: ResourceSet,
) -> Iterator[tuple[list[Any], list[Any], list[Any], list[Any]]]:
    objects: list[Any] = []
    entries: list[Any] = []
    words: list[Any] = []
    terms: list[Any] = []
    for obj, entry, fts_row, its_terms in data.rows():
        objects.append(obj)
        entries.append(entry)
        words.append(fts_row)
        terms.extend(its_terms)
        if len(objects) >= CHUNK:
            yield objects, entries, words, terms
            objects, entries, words, terms = [], [], [], []
    if objects:
        yield objects, entries, words, terms


def load_resources_sqlite(path: str, data: ResourceSet) -> None:
    """Blocking; run it in a thread. Secondary indexes dropped during the load, re-made after."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")  # a bulk load that can be redone, not user data
        index_sql = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            f"AND sql IS NOT NULL AND tbl_name IN {SEARCH_TABLES}"
        )
        saved = db.execute(index_sql).fetchall()
        for name, _ in saved:
            db.execute(f"DROP INDEX {name}")
        db.execute("BEGIN")
        db.executemany(insert_sql("actors", ACTOR_COLUMNS), sqlite_rows(list(data.actors())))
        for objects, entries, words, terms in _resource_chunks(data):
            db.executemany(insert_sql("objects", OBJECT_COLUMNS), sqlite_rows(objects))
            db.executemany(insert_sql("search_entries", ENTRY_COLUMNS_SEARCH), sqlite_rows(entries))
            db.executemany(
                "INSERT INTO search_fts (rowid, words, prefixes, facets) VALUES (?, ?, ?, ?)", words
            )
            db.executemany(insert_sql("search_terms", TERM_COLUMNS), terms)
        db.execute("COMMIT")
        for _, sql in saved:
            db.execute(sql)
        db.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


async def load_resources_postgresql(dsn: str, data: ResourceSet) -> None:
    db = await asyncpg.connect(dsn)
    try:
        await db.execute("SET session_replication_role = replica")  # as load_postgresql
        saved = await db.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            list(SEARCH_TABLES),
        )
        for row in saved:
            await db.execute(f'DROP INDEX "{row["indexname"]}"')
        await db.copy_records_to_table(
            "actors", records=list(data.actors()), columns=list(ACTOR_COLUMNS)
        )
        # The tsvector is made by the database, as the node's insert does: entries go through
        # a staging table with their words, then one INSERT ... SELECT to_tsvector(...).
        await db.execute("CREATE TEMP TABLE staging (LIKE search_entries INCLUDING DEFAULTS)")
        await db.execute(
            "ALTER TABLE staging DROP COLUMN tsv, ADD COLUMN words text, "
            "ADD COLUMN prefixes text, ADD COLUMN facets text"
        )
        columns = [*ENTRY_COLUMNS_SEARCH, "words", "prefixes", "facets"]
        for objects, entries, words, terms in _resource_chunks(data):
            await db.copy_records_to_table("objects", records=objects, columns=list(OBJECT_COLUMNS))
            await db.copy_records_to_table(
                "staging",
                records=[(*e, *w[1:]) for e, w in zip(entries, words, strict=True)],
                columns=columns,
            )
            await db.copy_records_to_table(
                "search_terms", records=terms, columns=list(TERM_COLUMNS)
            )
        listed = ", ".join(ENTRY_COLUMNS_SEARCH)
        await db.execute(
            f"INSERT INTO search_entries ({listed}, tsv) SELECT {listed}, "
            "strip(to_tsvector('simple', words || ' ' || prefixes || ' ' || facets)) "
            "FROM staging"
        )
        await db.execute("DROP TABLE staging")
        for row in saved:
            await db.execute(row["indexdef"])
        for table in ("actors", "objects"):
            await db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await db.execute("ANALYZE")
    finally:
        await db.close()
