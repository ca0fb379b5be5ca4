"""Synthetic data for the timeline scenario: remote actors, local users who follow some of
them, N objects and the home-timeline entries the worker would have materialised for them.

The schema is the node's own (its Alembic migrations run first); rows are bulk-loaded with
the drivers' fastest paths (sqlite3 executemany, PostgreSQL COPY) with the secondary
indexes dropped during the load and re-created from their saved DDL, so 1M objects load in
about a minute instead of the ~10 minutes ORM inserts would take. Reproducible: seeded.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
REMOTE_ACTORS = 2000
FOLLOWS_PER_USER = 200  # so each object lands in ~1 home timeline on average
DELETED_SHARE = 0.01  # tombstones the timeline query must skip
CHUNK = 50_000
START = datetime(2025, 1, 1)
BIG_TABLES = ("objects", "timeline_entries")

ACTOR_COLUMNS = ("id", "uri", "type", "username", "domain", "is_local", "name", "summary",
                 "inbox", "outbox", "shared_inbox", "followers_url", "following_url", "url",
                 "manually_approves_followers", "public_key_id", "public_key_pem", "created_at")
FOLLOW_COLUMNS = ("follower_id", "followee_id", "activity_uri", "state", "created_at")
OBJECT_COLUMNS = ("id", "uri", "type", "actor_id", "is_local", "visibility", "content",
                  "summary", "name", "language", "url", "recipients", "raw", "published",
                  "deleted_at")
ENTRY_COLUMNS = ("user_id", "object_id", "created_at")


@dataclass
class Dataset:
    """What to generate; `users` are (user_id, actor_id) of local accounts already created."""

    objects: int
    users: list[tuple[int, int]]
    first_actor_id: int
    seed: int = 7
    follows: dict[int, list[int]] = field(default_factory=dict)  # user_id -> remote actor ids

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        remote = range(self.first_actor_id, self.first_actor_id + REMOTE_ACTORS)
        self.follows = {user: rng.sample(remote, FOLLOWS_PER_USER) for user, _ in self.users}

    def actors(self) -> Iterator[tuple[Any, ...]]:
        for i in range(REMOTE_ACTORS):
            host = f"centre{i % 400}.example"
            uri = f"https://{host}/users/trainer{i}"
            yield (self.first_actor_id + i, uri, "Person", f"trainer{i}", host, False,
                   f"Trainer {i}", "", f"{uri}/inbox", f"{uri}/outbox", f"https://{host}/inbox",
                   f"{uri}/followers", f"{uri}/following", uri, False, f"{uri}#main-key", "",
                   START)

    def follow_rows(self) -> Iterator[tuple[Any, ...]]:
        actor_of = dict(self.users)
        for user, followed in self.follows.items():
            for actor in followed:
                yield (actor_of[user], actor, f"https://bench.example/follows/{user}/{actor}",
                       "accepted", START)

    def objects_and_entries(self) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        """(object row, its timeline entry rows), in publication order."""
        rng = random.Random(self.seed + 1)
        readers: dict[int, list[int]] = {}
        for user, followed in self.follows.items():
            for actor in followed:
                readers.setdefault(actor, []).append(user)
        recipients = json.dumps({"to": [AS_PUBLIC], "cc": []})
        for i in range(1, self.objects + 1):
            actor = self.first_actor_id + rng.randrange(REMOTE_ACTORS)
            published = START + timedelta(seconds=30 * i)
            deleted = published if rng.random() < DELETED_SHARE else None
            uri = f"https://centre{(actor - self.first_actor_id) % 400}.example/objects/{i}"
            content = "" if deleted else (
                f"<p>Resource {i}: worksheet on {rng.choice(TOPICS)} for EQF level "
                f"{rng.randrange(2, 6)}, with a checklist and two exercises.</p>")
            # The handler keeps the remote document in `raw` (~1 KB): the ORM loads it too.
            raw = None if deleted else _raw_note(uri, actor, content, published)
            row = (i, uri, "Note", actor, False, "public", content, "", "", "en", uri,
                   recipients, raw, published, deleted)
            yield row, [(user, i, published) for user in readers.get(actor, ())]


def _raw_note(uri: str, actor: int, content: str, published: datetime) -> str:
    author = f"https://centre{actor % 400}.example/users/trainer{actor}"
    return orjson.dumps({
        "@context": "https://www.w3.org/ns/activitystreams", "id": uri, "type": "Note",
        "attributedTo": author, "content": content + NOTE_TAIL, "url": uri,
        "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"), "to": [AS_PUBLIC],
        "cc": [f"{author}/followers"], "tag": [{"type": "Hashtag", "name": "#vet",
                                                "href": "https://example.org/tags/vet"}],
        "contentMap": {"en": content}, "sensitive": False, "attachment": [],
    }).decode()


# What a real post's HTML carries besides its sentence: a link and hashtags (~400 B).
NOTE_TAIL = (
    '<p><a href="https://example.org/oer/worksheet" rel="nofollow noopener">'
    "example.org/oer/worksheet</a></p>"
    '<p><a href="https://example.org/tags/vet" class="mention hashtag" rel="tag">#<span>vet'
    '</span></a> <a href="https://example.org/tags/eqf" class="mention hashtag" rel="tag">'
    "#<span>eqf</span></a></p>"
)

TOPICS = ("welding", "bricklaying", "hairdressing", "bakery", "electrical installation",
          "plumbing", "carpentry", "automotive diagnostics", "elderly care", "logistics")


def chunks(rows: Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]
           ) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    objects: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    for row, its_entries in rows:
        objects.append(row)
        entries.extend(its_entries)
        if len(objects) >= CHUNK:
            yield objects, entries
            objects, entries = [], []
    if objects:
        yield objects, entries


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    # The storage format SQLAlchemy's SQLite DateTime reads back; booleans as 0/1.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_rows(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(_sqlite_value(v) for v in row) for row in rows]


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})")


def load_sqlite(path: str, data: Dataset) -> None:
    """Blocking; run it in a thread."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")  # a bulk load that can be redone, not user data
        saved = [sql for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN {BIG_TABLES}")]
        for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN {BIG_TABLES}").fetchall():
            db.execute(f"DROP INDEX {name}")
        db.execute("BEGIN")
        db.executemany(_insert_sql("actors", ACTOR_COLUMNS), _sqlite_rows(list(data.actors())))
        db.executemany(_insert_sql("follows", FOLLOW_COLUMNS),
                       _sqlite_rows(list(data.follow_rows())))
        for objects, entries in chunks(data.objects_and_entries()):
            db.executemany(_insert_sql("objects", OBJECT_COLUMNS), _sqlite_rows(objects))
            db.executemany(_insert_sql("timeline_entries", ENTRY_COLUMNS),
                           _sqlite_rows(entries))
        db.execute("COMMIT")
        for sql in saved:
            db.execute(sql)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


# --- PostgreSQL ----------------------------------------------------------------------------


async def load_postgresql(dsn: str, data: Dataset) -> None:
    db = await asyncpg.connect(dsn)
    try:
        # Foreign-key triggers off for this session only: the rows are consistent by
        # construction, and checking 2M references one by one would dominate the load.
        await db.execute("SET session_replication_role = replica")
        saved = await db.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)", list(BIG_TABLES))
        for row in saved:
            await db.execute(f'DROP INDEX "{row["indexname"]}"')
        await db.copy_records_to_table("actors", records=list(data.actors()),
                                       columns=list(ACTOR_COLUMNS))
        await db.copy_records_to_table("follows", records=list(data.follow_rows()),
                                       columns=list(FOLLOW_COLUMNS))
        for objects, entries in chunks(data.objects_and_entries()):
            await db.copy_records_to_table("objects", records=objects,
                                           columns=list(OBJECT_COLUMNS))
            await db.copy_records_to_table("timeline_entries", records=entries,
                                           columns=list(ENTRY_COLUMNS))
        for row in saved:
            await db.execute(row["indexdef"])
        for table in ("actors", "objects", "follows", "timeline_entries"):
            await db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT max(id) FROM {table}))")
        # What autovacuum would do shortly after such a load: fresh planner statistics.
        await db.execute("ANALYZE")
    finally:
        await db.close()


# --- a centre's catalogue (the sync scenario) ----------------------------------------------

CATALOGUE_OBJECT_COLUMNS = ("uri", "type", "actor_id", "is_local", "visibility", "content",
                            "summary", "name", "language", "url", "recipients", "raw",
                            "published")
CATALOGUE_ACTIVITY_COLUMNS = ("uri", "type", "actor_uri", "object_uri", "is_local", "raw",
                              "state", "attempts", "received_at", "processed_at")


def centre_catalogue(author: Any, base: str, count: int, seed: int = 11
                     ) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """(object row, Create activity row) for `count` public learning resources of the local
    actor `author` (an Actor row of the centre's database), built by the node's own code as
    `publish.publish_resource` builds them: the resource document (resource_convert), the
    Create around it (convert.wrap) with its actor's FEP-8b32 proof (integrity)."""
    from compagnon.domain.resources import LearningResource
    from compagnon.federation.convert import addressing, wrap
    from compagnon.federation.resource_convert import to_resource_object
    from compagnon.federation.signing.integrity import signed_activity
    from compagnon.storage.models import Object

    rng = random.Random(seed)
    recipients = addressing("public", author.followers_url, [])
    for i in range(count):
        topic = rng.choice(TOPICS)
        resource = LearningResource(
            title=f"{topic.capitalize()} worksheet {i}",
            description=f"Checklist and two exercises on {topic}, for trainees in workshops.",
            url=f"https://oer.example/{topic.replace(' ', '-')}/{i}.pdf",
            license="https://creativecommons.org/licenses/by-sa/4.0/",
            language="en", eqf_level=rng.randrange(2, 6), isced_field="0715",
            resource_type="worksheet", time_required="PT45M", keywords=(topic, "vet"))
        published = START + timedelta(minutes=i)
        obj = Object(uri=f"{base}/objects/bench-{seed}-{i}", recipients=recipients,
                     published=published.replace(tzinfo=UTC))
        doc = to_resource_object(resource, obj, author, base)
        create = signed_activity(
            wrap("Create", f"{base}/activities/bench-{seed}-{i}", author.uri, doc, recipients),
            author)
        yield (
            (obj.uri, "LearningResource", author.id, True, "public", doc["content"],
             resource.description, resource.title, "en", resource.url,
             orjson.dumps({**recipients, "tag": doc["tag"]}).decode(), orjson.dumps(doc).decode(),
             published),
            (create["id"], "Create", author.uri, obj.uri, True, orjson.dumps(create).decode(),
             "done", 0, published, published),
        )


def load_centre_catalogue(path: str, author: Any, base: str, count: int, seed: int) -> None:
    """Blocking; run it in a thread. Objects and their Creates in one transaction, in
    publication order (the outbox pages by activity id, newest first)."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")  # a bulk load that can be redone, not user data
        db.execute("BEGIN")
        rows = list(centre_catalogue(author, base, count, seed))
        db.executemany(_insert_sql("objects", CATALOGUE_OBJECT_COLUMNS),
                       _sqlite_rows([o for o, _ in rows]))
        db.executemany(_insert_sql("activities", CATALOGUE_ACTIVITY_COLUMNS),
                       _sqlite_rows([a for _, a in rows]))
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()

# --- Learning resources for the search scenario ------------------------------------------
# N remote learning resources with the facets trainers publish (skewed as real catalogues
# are: most VET sits at EQF 3-5, a few languages and trades dominate), their ~1 KB AS2
# document in `raw` as the Create handler stores it, and the search index rows the node's own
# `domain.facets.extract` makes of that document (so the index holds what the node would).

LANGUAGES = {"en": 30, "de": 15, "fr": 12, "pt": 10, "es": 10, "it": 8, "pl": 6, "nl": 5,
             "fi": 2, "sv": 2}
EQF_WEIGHTS = {1: 2, 2: 8, 3: 25, 4: 35, 5: 20, 6: 7, 7: 2, 8: 1}
FIELDS = ("0715", "0713", "0716", "0732", "1013", "0921", "0611", "0722", "0721", "1012",
          "0413", "0416", "0714", "0811", "1041", "0415", "0923", "1015", "0212", "0812",
          "1022", "0612", "0913", "0723", "0613", "0412", "1014", "0922", "0731", "0214")
LICENCES = {"https://creativecommons.org/licenses/by-sa/4.0/": 40,
            "https://creativecommons.org/licenses/by/4.0/": 30,
            "https://creativecommons.org/publicdomain/zero/1.0/": 10,
            "https://creativecommons.org/licenses/by-nc-sa/4.0/": 12,
            "https://creativecommons.org/licenses/by-nc/4.0/": 5,
            "https://creativecommons.org/licenses/by-nd/4.0/": 3}
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

    def rows(self) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], str,
                                     list[tuple[Any, ...]]]]:
        """(object row, search entry row, its FTS5 row, its competence rows), oldest first."""
        from compagnon.domain.facets import extract, prefixes, sort_key  # the node's own code
        from compagnon.storage.queries.search_indexing import facet_tokens

        rng = random.Random(self.seed)
        word_weights = [1 / (rank + 1) for rank in range(len(WORDS))]
        competences = ([f"https://w3id.org/kim/digcomp/g_{n}" for n in range(1, 27)]
                       + [f"https://centre1.example/vocab/digcompedu/{a}.{b}"
                          for a, b in ((1, 1), (1, 4), (2, 1), (2, 2), (2, 3), (3, 1), (4, 1))]
                       + [f"http://data.europa.eu/esco/skill/{uuid_of(n)}"
                          for n in range(ESCO_SKILLS)])
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
                "id": uri, "type": ["Note", "LearningResource"],
                "attributedTo": f"https://{host}/users/trainer{actor}",
                "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "to": [AS_PUBLIC], "cc": [f"https://{host}/users/trainer{actor}/followers"],
                "name": title, "summary": " ".join(words[5:]),
                "content": f"<p><strong>{title}</strong></p><p>{' '.join(words[5:])}</p>",
                "license": _weighted(rng, LICENCES),
                "inLanguage": [_weighted(rng, LANGUAGES)],
                "keywords": words[:2],
                "learningResourceType": [{"id": f"https://w3id.org/kim/hcrt/{rng.choice(TYPES)}",
                                          "type": "Concept"}],
                "educationalAlignment": [
                    {"type": "AlignmentObject", "alignmentType": "educationalLevel",
                     "targetUrl": f"http://data.europa.eu/snb/eqf/{_weighted(rng, EQF_WEIGHTS)}"},
                    {"type": "AlignmentObject", "alignmentType": "educationalSubject",
                     "targetUrl": "http://data.europa.eu/snb/isced-f/"
                                  f"{rng.choices(FIELDS, [1 / (r + 1) for r in range(30)])[0]}"},
                ],
                "teaches": [{"id": c} for c in set(rng.choices(
                    competences, comp_weights, k=rng.choice((0, 1, 1, 2, 2, 3))))],
            }
            facets = extract(doc)
            assert facets is not None
            key = sort_key(published, i)
            obj = (i, uri, "LearningResource", actor, False, "public", doc["content"],
                   doc["summary"], title, facets.language, uri, recipients,
                   orjson.dumps(doc).decode(), published, None)
            entry = (key, i, actor, published, facets.visibility, facets.language, facets.eqf,
                     facets.isced, facets.resource_type, facets.licence)
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


ENTRY_COLUMNS_SEARCH = ("sort_key", "object_id", "actor_id", "published", "visibility",
                        "language", "eqf", "isced", "resource_type", "licence")
TERM_COLUMNS = ("term", "sort_key", "label")
SEARCH_TABLES = ("objects", "search_entries", "search_terms")


def _resource_chunks(data: ResourceSet) -> Iterator[tuple[list[Any], list[Any], list[Any],
                                                         list[Any]]]:
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
        index_sql = ("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                     f"AND sql IS NOT NULL AND tbl_name IN {SEARCH_TABLES}")
        saved = db.execute(index_sql).fetchall()
        for name, _ in saved:
            db.execute(f"DROP INDEX {name}")
        db.execute("BEGIN")
        db.executemany(_insert_sql("actors", ACTOR_COLUMNS), _sqlite_rows(list(data.actors())))
        for objects, entries, words, terms in _resource_chunks(data):
            db.executemany(_insert_sql("objects", OBJECT_COLUMNS), _sqlite_rows(objects))
            db.executemany(_insert_sql("search_entries", ENTRY_COLUMNS_SEARCH),
                           _sqlite_rows(entries))
            db.executemany("INSERT INTO search_fts (rowid, words, prefixes, facets) "
                           "VALUES (?, ?, ?, ?)", words)
            db.executemany(_insert_sql("search_terms", TERM_COLUMNS), terms)
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
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)", list(SEARCH_TABLES))
        for row in saved:
            await db.execute(f'DROP INDEX "{row["indexname"]}"')
        await db.copy_records_to_table("actors", records=list(data.actors()),
                                       columns=list(ACTOR_COLUMNS))
        # The tsvector is made by the database, as the node's insert does: entries go through
        # a staging table with their words, then one INSERT ... SELECT to_tsvector(...).
        await db.execute("CREATE TEMP TABLE staging (LIKE search_entries INCLUDING DEFAULTS)")
        await db.execute("ALTER TABLE staging DROP COLUMN tsv, ADD COLUMN words text, "
                         "ADD COLUMN prefixes text, ADD COLUMN facets text")
        columns = [*ENTRY_COLUMNS_SEARCH, "words", "prefixes", "facets"]
        for objects, entries, words, terms in _resource_chunks(data):
            await db.copy_records_to_table("objects", records=objects,
                                           columns=list(OBJECT_COLUMNS))
            await db.copy_records_to_table(
                "staging", records=[(*e, *w[1:]) for e, w in zip(entries, words, strict=True)],
                columns=columns)
            await db.copy_records_to_table("search_terms", records=terms,
                                           columns=list(TERM_COLUMNS))
        listed = ", ".join(ENTRY_COLUMNS_SEARCH)
        await db.execute(f"INSERT INTO search_entries ({listed}, tsv) SELECT {listed}, "
                         "strip(to_tsvector('simple', words || ' ' || prefixes || ' ' || facets)) "
                         "FROM staging")
        await db.execute("DROP TABLE staging")
        for row in saved:
            await db.execute(row["indexdef"])
        for table in ("actors", "objects"):
            await db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT max(id) FROM {table}))")
        await db.execute("ANALYZE")
    finally:
        await db.close()
