"""Migration 0022 fills the consent columns of the remote actors already held from their
stored documents, so statistics and export (which now read the columns) still leave out
those who refused indexing before the columns existed; and gives the resources already in
the search index their country and centre (columns and full-text tokens)."""

from __future__ import annotations

import json

import httpx
from alembic import command
from sqlalchemy import text

from compagnon.federation.actor_convert import actor_fields_from_document
from compagnon.federation.actor_store import store_remote_actor
from compagnon.federation.ingest import Incoming, store_remote_objects
from compagnon.storage.db import create_engine
from compagnon.storage.migrate import alembic_config, upgrade
from tests.conftest import NodeFactory
from tests.support.oai import ask, publish_resource, texts
from tests.support.statistics import remote_actor, resource

JSON = {"Accept": "application/json"}

ACTOR = (
    "INSERT INTO actors (id, uri, type, username, domain, is_local, name, summary, inbox, outbox,"
    " followers_url, following_url, url, manually_approves_followers, public_key_id,"
    " public_key_pem, raw, created_at) VALUES (:id, :uri, 'Person', :name, 'n.example', false,"
    " '', '', '', '', '', '', '', false, '', '', :raw, '2026-01-01 00:00:00')"
)


async def test_consent_columns_filled_from_held_documents(database_url: str) -> None:
    engine = create_engine(database_url)
    documents = {
        "refuses": {"indexable": False},
        "hides": {"discoverable": False, "indexable": True},
        "silent": {},
        "says_yes": {"toot:indexable": True},
    }
    try:
        await upgrade(engine, "0016")
        async with engine.begin() as connection:
            for number, (name, raw) in enumerate(documents.items(), start=1):
                uri = f"https://n.example/users/{name}"
                await connection.execute(
                    text(ACTOR), {"id": number, "uri": uri, "name": name, "raw": json.dumps(raw)}
                )
        await upgrade(engine, "0022")
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT username, indexable, discoverable FROM actors ORDER BY id")
            )
            found = {name: (indexable, discoverable) for name, indexable, discoverable in rows}
    finally:
        await engine.dispose()
    assert found == {
        "refuses": (False, None),
        "hides": (True, False),
        "silent": (None, None),
        "says_yes": (True, None),
    }


async def _downgrade(url: str, revision: str) -> None:
    engine = create_engine(url)

    def run(sync_connection: object) -> None:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = sync_connection
        command.downgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
            if connection.dialect.name == "sqlite":
                # As before 0022: no country or centre token in the full text.
                await connection.execute(text("UPDATE search_fts SET facets = ''"))
    finally:
        await engine.dispose()


async def test_resources_held_before_get_their_country_and_centre(
    make_node: NodeFactory, backend: str
) -> None:
    node = await make_node("a", backend=backend, country="PT")
    await node.create_user("maria")
    ours = await publish_resource(node, "maria", "Tiles of Porto")
    await remote_actor(node, "ifp-lyon.example", "Organization", "centre", {"addressCountry": "FR"})
    claire = await remote_actor(node, "ifp-lyon.example", "Person", "claire", {})
    theirs = "https://ifp-lyon.example/objects/1"
    async with node.sessions.begin() as session:
        await store_remote_objects(
            session,
            [
                Incoming(
                    claire,
                    resource(theirs, "Cuisine", eqf=5, field="1013", lang="fr", kind="video"),
                )
            ],
        )
    await node.stop()
    await _downgrade(node.settings.database_url, "0016")
    await node.start()  # migrates to the head again
    async with httpx.AsyncClient() as http:
        for params, expected in (
            ({"country": "FR"}, [theirs]),
            ({"country": "PT"}, [ours.uri]),
            ({"centre": "ifp-lyon.example"}, [theirs]),
            ({"centre": node.domain}, [ours.uri]),
        ):
            answer = (await http.get(f"{node.base}/search", params=params, headers=JSON)).json()
            assert [hit["id"] for hit in answer["results"]] == expected, params


async def test_a_centres_country_known_later_or_changed_reaches_its_resources(
    make_node: NodeFactory, backend: str
) -> None:
    """Resources received before their centre was known get its country when it is; a centre
    that changes its country moves them (search filter and counts)."""
    node = await make_node("a", backend=backend)
    claire = await remote_actor(node, "ifp-lyon.example", "Person", "claire", {})
    theirs = "https://ifp-lyon.example/objects/1"
    async with node.sessions.begin() as session:
        await store_remote_objects(
            session,
            [
                Incoming(
                    claire,
                    resource(theirs, "Cuisine", eqf=5, field="1013", lang="fr", kind="video"),
                )
            ],
        )

    async def found(country: str) -> list[str]:
        async with httpx.AsyncClient() as http:
            answer = await http.get(
                f"{node.base}/search", params={"country": country}, headers=JSON
            )
        return [hit["id"] for hit in answer.json()["results"]]

    async def centre_says(country: str) -> None:
        doc = {
            "id": "https://ifp-lyon.example/users/centre",
            "type": "Organization",
            "preferredUsername": "centre",
            "inbox": "https://ifp-lyon.example/users/centre/inbox",
            "addressCountry": country,
        }
        async with node.sessions.begin() as session:
            await store_remote_actor(session, actor_fields_from_document(doc))

    async def harvested(country: str) -> list[str]:
        async with httpx.AsyncClient() as http:
            answer = await ask(
                http, node, f"verb=ListIdentifiers&metadataPrefix=oai_dc&set=country:{country}"
            )
        return texts(answer, "//oai:header/oai:identifier")

    assert await found("FR") == [] and await harvested("FR") == []
    await centre_says("FR")
    assert await found("FR") == [theirs] and await harvested("FR") == [theirs]
    await centre_says("BE")
    assert await found("BE") == [theirs] and await found("FR") == []
    # Harvesters see the move too: the record left the French set for the Belgian one.
    assert await harvested("BE") == [theirs] and await harvested("FR") == []


async def test_set_rows_held_before_become_columns_of_their_records(
    make_node: NodeFactory, backend: str
) -> None:
    """Migration 0028: the country, field and level set rows a node held become columns of
    its records (only the language rows stay), and harvests by set answer as before."""
    node = await make_node("a", backend=backend, country="PT")
    await node.create_user("maria")
    await publish_resource(node, "maria", "Tiles of Porto")  # EQF 4, ISCED-F 0611, English
    queries = [
        f"verb=ListIdentifiers&metadataPrefix=oai_dc&set={spec}"
        for spec in (
            "country:PT",
            "country",
            "isced:0611",
            "isced",
            "eqf:4",
            "eqf",
            "lang:en",
            "lang",
        )
    ]

    async def harvest() -> list[list[str]]:
        async with httpx.AsyncClient() as http:
            listed = [texts(await ask(http, node, q), "//oai:identifier") for q in queries]
            sets = texts(await ask(http, node, "verb=ListSets"), "//oai:setSpec")
        return [*listed, sets]

    before = await harvest()
    assert all(len(found) == 1 for found in before[:-1])
    await node.stop()
    await _downgrade(node.settings.database_url, "0027")  # the set rows, as they were
    engine = create_engine(node.settings.database_url)
    try:
        async with engine.connect() as connection:
            held = await connection.scalar(text("SELECT count(*) FROM handover_sets"))
    finally:
        await engine.dispose()
    assert held == 8  # country, country:PT, isced, isced:0611, eqf, eqf:4, lang, lang:en
    await node.start()  # migrates to the head again
    assert await harvest() == before
    async with node.sessions() as session:
        rows = (await session.execute(text("SELECT set_spec FROM handover_sets"))).all()
    assert [spec for (spec,) in rows] == ["lang:en"]
