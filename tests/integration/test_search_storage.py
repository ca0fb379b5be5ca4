"""The search index on SQLite and PostgreSQL: facets combine, words of the title and the
description find a resource, pages follow each other without gaps, deleted resources vanish
and updated ones are found under their new description."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, column, insert, table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.domain.search_query import parse
from compagnon.federation.accounts import ensure_node_actors
from compagnon.federation.urls import Urls
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Actor, Object, UTCDateTime
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries import search as search_queries
from compagnon.storage.queries import search_indexing

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
START = datetime(2026, 1, 1, tzinfo=UTC)
DIGCOMP_COPYRIGHT = "https://w3id.org/kim/digcomp/g_15"


def resource_doc(
    uri: str,
    title: str,
    *,
    description: str = "",
    lang: str = "en",
    eqf: int | None = None,
    field: str | None = None,
    competences: Sequence[str] = (),
    public: bool = True,
) -> dict[str, Any]:
    alignments = []
    if eqf:
        alignments.append(
            {"type": "AlignmentObject", "targetUrl": f"http://data.europa.eu/snb/eqf/{eqf}"}
        )
    if field:
        alignments.append(
            {"type": "AlignmentObject", "targetUrl": f"http://data.europa.eu/snb/isced-f/{field}"}
        )
    return {
        "id": uri,
        "type": ["Note", "LearningResource"],
        "name": title,
        "summary": description,
        "content": f"<p>{title}</p>",
        "to": [PUBLIC] if public else [f"{uri}/followers"],
        "inLanguage": [lang],
        "license": "https://creativecommons.org/licenses/by-sa/4.0/",
        "educationalAlignment": alignments,
        "teaches": [{"id": c, "prefLabel": {"en": "a competence"}} for c in competences],
    }


@dataclass
class Index:
    sessions: async_sessionmaker[AsyncSession]
    author: Actor
    count: int = 0

    async def add(self, title: str, **facets: Any) -> Object:
        """Stores a remote-looking resource one minute after the previous one, and indexes it."""
        self.count += 1
        uri = f"https://cfp.example/resources/{self.count}"
        doc = resource_doc(uri, title, **facets)
        published = START + timedelta(minutes=self.count)
        async with self.sessions.begin() as session:
            obj = await object_queries.add(
                session,
                uri=uri,
                type="LearningResource",
                actor_id=self.author.id,
                name=title,
                recipients={},
                raw=doc,
                published=published,
            )
            await search_indexing.index_objects(session, [(obj.id, published, self.author.id, doc)])
        return obj

    async def find(
        self, query: str = "", *, before: int | None = None, cap: int = 1000, **facets: Any
    ) -> search_queries.SearchPage:
        request = parse({"q": query, **{k: str(v) for k, v in facets.items()}})
        async with self.sessions() as session:
            return await search_queries.search(
                session, request.filters, before=before, count_cap=cap
            )

    async def titles(self, query: str = "", **kwargs: Any) -> list[str]:
        return [h.title for h in (await self.find(query, **kwargs)).hits]


@pytest.fixture
async def index(database_url: str) -> AsyncIterator[Index]:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        sessions = create_sessionmaker(engine)
        async with sessions.begin() as session:
            author = await ensure_node_actors(session, Urls("http://cfp.example"), "CFP")
        yield Index(sessions, author)
    finally:
        await engine.dispose()


async def test_facets_combine(index: Index) -> None:
    await index.add("MIG welding basics", eqf=3, lang="en", field="0715")
    await index.add("Soldadura MIG", eqf=3, lang="pt", field="0715")
    await index.add("Soldadura TIG avançada", eqf=4, lang="pt", field="0715")
    await index.add("Pastelaria", eqf=4, lang="pt", field="1013")

    assert await index.titles(eqf=3) == ["Soldadura MIG", "MIG welding basics"]
    assert await index.titles(eqf=4, lang="pt", field="0715") == ["Soldadura TIG avançada"]
    assert await index.titles(eqf=4, lang="en") == []
    found = await index.find(lang="pt")
    counts = {f: {v.value: v.count for v in values} for f, values in found.facets.items()}
    assert found.matches == 3 and not found.capped
    assert counts["eqf"] == {"4": 2, "3": 1}
    assert counts["field"] == {"0715": 2, "1013": 1}


async def test_words_of_title_and_description_find_a_resource(index: Index) -> None:
    await index.add("Soldadura MIG", description="Checklist de segurança para a oficina.")
    await index.add("Bread and pastry", description="Hygiene rules in the bakery.")

    assert await index.titles("soldadura") == ["Soldadura MIG"]
    assert await index.titles("SEGURANCA oficina") == ["Soldadura MIG"]  # accents, case
    assert await index.titles("hyg") == ["Bread and pastry"]  # a prefix, typed on a phone
    assert await index.titles("hygiene welding") == []  # every word must match
    # Full-text syntax typed by someone is just words, never an error.
    assert await index.titles('"bakery* (rules) -') == ["Bread and pastry"]
    assert await index.titles("NEAR(bakery rules)") == []  # "near" is a word here
    # Filters are stored beside the words; typing a filter's name is not choosing it.
    assert await index.titles("lang") == [] and await index.titles("licence") == []


async def test_competence_filter_and_its_counts(index: Index) -> None:
    await index.add("Licensing quiz", competences=[DIGCOMP_COPYRIGHT])
    await index.add("Netiquette", competences=["https://w3id.org/kim/digcomp/g_10"])

    assert await index.titles(competence=DIGCOMP_COPYRIGHT) == ["Licensing quiz"]
    assert await index.titles("quiz", competence=DIGCOMP_COPYRIGHT) == ["Licensing quiz"]
    counts = {v.value: v.count for v in (await index.find()).facets["competence"]}
    assert counts == {DIGCOMP_COPYRIGHT: 1, "https://w3id.org/kim/digcomp/g_10": 1}


async def test_pages_follow_each_other_newest_first(index: Index) -> None:
    for n in range(45):
        await index.add(f"Worksheet {n}", eqf=2 if n % 3 else 5)

    seen: list[str] = []
    before = None
    for expected in (20, 20, 5):
        page = await index.find("worksheet", before=before)
        assert len(page.hits) == expected
        seen += [h.title for h in page.hits]
        before = page.next_before
    assert before is None
    assert seen == [f"Worksheet {n}" for n in reversed(range(45))]
    deep = await index.find(eqf=2, before=(await index.find(eqf=2)).next_before)
    assert deep.hits[0].title == "Worksheet 14"


async def test_counts_stop_at_the_cap(index: Index) -> None:
    for n in range(6):
        await index.add(f"Quiz {n}", eqf=4)
    page = await index.find(eqf=4, cap=5)
    assert (page.matches, page.capped) == (5, True)
    assert len(page.hits) == 6  # the results themselves are not capped


async def test_deleted_resources_vanish_and_updates_reindex(index: Index) -> None:
    gone = await index.add("Forklift safety", eqf=2)
    kept = await index.add("Forklift maintenance", eqf=2)
    async with index.sessions.begin() as session:
        await search_indexing.unindex(session, [gone.id])
    assert await index.titles("forklift") == ["Forklift maintenance"]

    updated = resource_doc(kept.uri, "Electric pallet truck maintenance", eqf=3)
    async with index.sessions.begin() as session:
        await search_indexing.index_objects(
            session, [(kept.id, kept.published, index.author.id, updated)]
        )
        await search_indexing.index_objects(  # twice: idempotent
            session, [(kept.id, kept.published, index.author.id, updated)]
        )
    assert await index.titles("forklift") == []
    assert await index.titles(eqf=2) == []
    assert len(await index.titles("pallet", eqf=3)) == 1


async def test_only_public_learning_resources_are_listed(index: Index) -> None:
    await index.add("Followers-only worksheet", public=False)
    async with index.sessions.begin() as session:
        note = {
            "id": "https://cfp.example/notes/1",
            "type": "Note",
            "to": [PUBLIC],
            "content": "a worksheet",
        }
        obj = await object_queries.add(
            session, uri=note["id"], type="Note", actor_id=index.author.id, recipients={}
        )
        assert (
            await search_indexing.index_objects(session, [(obj.id, START, index.author.id, note)])
            == 0
        )
    assert await index.titles("worksheet") == []


async def test_resources_stored_before_the_index_are_indexed_by_the_migration(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, "0003")
        sessions = create_sessionmaker(engine)
        async with sessions.begin() as session:
            # The author by a Core INSERT naming only columns 0003 has: the ORM would name
            # every column of today's Actor (later migrations add some).
            author_id = (
                await session.execute(
                    insert(Actor.__table__)
                    .values(uri="https://cfp.example/users/old", type="Person", username="old")
                    .values(domain="cfp.example")
                    .returning(Actor.__table__.c.id)
                )
            ).scalar_one()
            uri = "https://cfp.example/resources/old"
            doc = resource_doc(uri, "Old bricklaying worksheet", eqf=2)
            # Core again, on a table naming only columns 0003 has: the model's defaults
            # would name later ones (migration 0019's changed_at).
            old_objects = table(
                "objects",
                *(
                    column(name)
                    for name in (
                        "uri",
                        "type",
                        "actor_id",
                        "is_local",
                        "visibility",
                        "content",
                        "summary",
                        "name",
                    )
                ),
                column("recipients", JSON),
                column("raw", JSON),
                column("published", UTCDateTime()),
            )
            await session.execute(
                insert(old_objects).values(
                    uri=uri,
                    type="LearningResource",
                    actor_id=author_id,
                    is_local=False,
                    visibility="public",
                    content="",
                    summary="",
                    name="Old bricklaying worksheet",
                    recipients={},
                    raw=doc,
                    published=START,
                )
            )
        await upgrade(engine)
        async with sessions() as session:
            author = await session.get(Actor, author_id)
        assert author is not None
        index = Index(sessions, author)
        assert await index.titles("bricklaying", eqf=2) == ["Old bricklaying worksheet"]
    finally:
        await engine.dispose()
