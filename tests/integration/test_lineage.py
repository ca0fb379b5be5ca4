"""Lineage over real HTTP: a resource on node A, a translation of it on node B that names it.
A's page lists B's translation (A learns of it because the Create is addressed to the
source's author, though A follows nobody on B), B's page names A's source; the licence rule
refuses an ND source and a ShareAlike licence not kept, with a sentence naming the licence;
a catalogue sync keeps the link on the importing node, where both are found by their own
language."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from compagnon import operations
from compagnon.domain.resources import LearningResource
from compagnon.server.views.lineage import lineage_of
from compagnon.storage.models import Actor, Notification, Object, TimelineEntry, User
from compagnon.storage.queries import lineage as lineage_queries
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
CC = "https://creativecommons.org/licenses/"

SOURCE = LearningResource(
    title="Brazing copper pipes: step by step",
    description="Cleaning, flux, heating evenly, and checking the joint.",
    url="https://cfp.example.org/brazing",
    license="CC BY-SA 4.0",
    language="en",
    eqf_level=3,
    isced_field="0715",
)
TRANSLATION = LearningResource(
    title="Brasagem de tubos de cobre: passo a passo",
    description="Limpeza, fluxo, aquecimento uniforme e verificação da junta.",
    url="https://formacao.example.pt/brasagem",
    license="CC BY-SA 4.0",
    language="pt",
    eqf_level=3,
    isced_field="0715",
)


async def _notified(node: Node, username: str) -> list[tuple[str, str, str | None]]:
    """(kind, who, about) of a local actor's notifications, oldest first."""
    async with node.sessions() as session:
        me = await session.scalar(select(Actor).where(Actor.username == username, Actor.is_local))
        assert me is not None
        rows = await session.execute(
            select(Notification.kind, Actor.username, Actor.domain, Notification.object_uri)
            .join(Actor, Actor.id == Notification.actor_id)
            .where(Notification.recipient_id == me.id)
            .order_by(Notification.id)
        )
        return [(kind, f"@{name}@{domain}", uri) for kind, name, domain, uri in rows]


async def _home_of(node: Node, username: str) -> list[str]:
    async with node.sessions() as session:
        rows = await session.scalars(
            select(Object.uri)
            .join(TimelineEntry, TimelineEntry.object_id == Object.id)
            .join(User, User.id == TimelineEntry.user_id)
            .where(User.username == username)
        )
        return list(rows)


async def test_a_translation_on_b_names_its_source_on_a_and_both_show_the_chain(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    source = await operations.publish_resource(a.settings, "ana", SOURCE, "public")

    # B holds nothing of A: the source is fetched (signed) for its licence, and stored.
    translation = replace(TRANSLATION, translation_of=(source,))
    derived = await operations.publish_resource(b.settings, "bruno", translation, "public")
    await settle(a, b)

    copy = await a.object(derived)  # A follows nobody on B, and still heard of it
    assert copy is not None and copy.raw is not None
    assert copy.raw["translationOfWork"] == [source] and copy.raw["isBasedOn"] == [source]
    assert derived in await _home_of(a, "ana")  # the source's author is told
    # Told once, as a remix (the translation addresses her too: no mention besides).
    told = [n for n in await _notified(a, "ana") if n[2] == derived]
    assert told == [("remix", f"@bruno@{b.domain}", derived)]

    async with httpx.AsyncClient() as http:
        on_a = (await http.get(source, headers=HTML)).text
        on_b = (await http.get(derived, headers=HTML)).text
    assert "Remixes and translations" in on_a
    assert f'<a href="{derived}">{TRANSLATION.title}</a>' in on_a
    assert f"@bruno@{b.domain}" in on_a and "translation" in on_a
    assert "Translation of" in on_b
    assert f'<a href="{source}">{SOURCE.title}</a>' in on_b and f"@ana@{a.domain}" in on_b

    # A remix is "based on", and listed beside the translation, newest first.
    remix = replace(TRANSLATION, title="Brasagem: ficha de trabalho", is_based_on=(source,))
    remixed = await operations.publish_resource(b.settings, "bruno", remix, "public")
    await settle(a, b)
    async with httpx.AsyncClient() as http:
        on_a = (await http.get(source, headers=HTML)).text
        on_b = (await http.get(remixed, headers=HTML)).text
    assert on_a.index(remixed) < on_a.index(derived)
    assert "Based on" in on_b and "Translation of" not in on_b

    # Deleted on B: gone from A's list.
    await operations.delete_resource(b.settings, "bruno", remixed)
    await settle(a, b)
    async with httpx.AsyncClient() as http:
        assert remixed not in (await http.get(source, headers=HTML)).text

    # An edit that no longer names the source: the Update takes it off A's list.
    def unlinked(resource: LearningResource) -> LearningResource:
        return replace(resource, translation_of=())

    await operations.edit_resource(b.settings, "bruno", derived, unlinked)
    await settle(a, b)
    async with httpx.AsyncClient() as http:
        on_a = (await http.get(source, headers=HTML)).text
    assert derived not in on_a and "Remixes and translations" not in on_a


async def test_the_licence_rule_refuses_with_the_sources_licence(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    no_derivatives = replace(SOURCE, license="CC BY-ND 4.0")
    nd = await operations.publish_resource(a.settings, "ana", no_derivatives, "public")
    sa = await operations.publish_resource(a.settings, "ana", SOURCE, "public")

    with pytest.raises(operations.OperationError) as refused:
        await operations.publish_resource(
            b.settings, "bruno", replace(TRANSLATION, translation_of=(nd,)), "public"
        )
    assert str(refused.value).startswith(f"{nd}: The source is licensed CC BY-ND 4.0")
    assert "NoDerivatives" in str(refused.value)
    with pytest.raises(operations.OperationError, match="NoDerivatives"):
        await operations.publish_resource(  # --licence-checked does not lift a refusal
            b.settings,
            "bruno",
            replace(TRANSLATION, translation_of=(nd,)),
            "public",
            licence_checked=True,
        )

    not_kept = replace(TRANSLATION, license="CC BY 4.0", is_based_on=(sa,))
    with pytest.raises(operations.OperationError) as refused:
        await operations.publish_resource(b.settings, "bruno", not_kept, "public")
    assert "ShareAlike" in str(refused.value)
    assert "same licence, CC BY-SA 4.0, not CC BY 4.0" in str(refused.value)
    async with b.sessions() as session:  # nothing published on B
        mine = await session.scalars(
            select(Object.uri)
            .join(Actor, Actor.id == Object.actor_id)
            .where(Actor.username == "bruno", Object.is_local)
        )
        assert list(mine) == []

    kept = await operations.publish_resource(
        b.settings, "bruno", replace(not_kept, license="CC BY-SA 4.0"), "public"
    )

    # An edit that drops the ShareAlike licence is refused too, and changes nothing.
    def to_by(resource: LearningResource) -> LearningResource:
        return replace(resource, license="CC BY 4.0")

    with pytest.raises(operations.OperationError, match="ShareAlike"):
        await operations.edit_resource(b.settings, "bruno", kept, to_by)
    held = await operations.resource_of(b.settings, "bruno", kept)
    assert held.license == f"{CC}by-sa/4.0/"

    # An edit that names a source: allowed under its licence, addressed to its author.
    def based_on_sa(resource: LearningResource) -> LearningResource:
        return replace(resource, is_based_on=(sa,))

    plain = await operations.publish_resource(b.settings, "bruno", TRANSLATION, "public")
    await operations.edit_resource(b.settings, "bruno", plain, based_on_sa)
    await settle(a, b)
    assert plain in await _home_of(a, "ana")

    # A source whose licence cannot be read: refused unless the trainer checked its terms.
    own_terms = replace(SOURCE, license="https://cfp.example.org/our-terms")
    terms = await operations.publish_resource(a.settings, "ana", own_terms, "public")
    unknown = replace(TRANSLATION, is_based_on=(terms,))
    with pytest.raises(operations.OperationError, match="--licence-checked"):
        await operations.publish_resource(b.settings, "bruno", unknown, "public")
    warnings: list[str] = []
    await operations.publish_resource(
        b.settings, "bruno", unknown, "public", licence_checked=True, warn=warnings.append
    )
    assert len(warnings) == 1 and terms in warnings[0]


async def test_catalogue_sync_keeps_the_lineage_and_search_finds_both_languages(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    source = await operations.publish_resource(a.settings, "ana", SOURCE, "public")
    translation = replace(TRANSLATION, translation_of=(source,))
    derived = await operations.publish_resource(b.settings, "bruno", translation, "public")
    await settle(a, b)

    # C follows both trainers after the fact: their catalogues come by sync.
    c = await make_node("c", backend=backend)
    await c.create_user("carla")
    await c.follow("carla", f"bruno@{b.domain}")
    await c.follow("carla", f"ana@{a.domain}")
    await settle(a, b, c)
    async with c.sessions() as session:
        found = await lineage_queries.derivatives(session, source)
    assert [(obj.uri, is_translation) for obj, _, is_translation in found] == [(derived, True)]

    async with httpx.AsyncClient(base_url=c.base) as on_c:
        for words, lang, expected in (
            ("brazing copper", "en", source),
            ("brasagem cobre", "pt", derived),
        ):
            params = {"q": words, "lang": lang}
            answer = (await on_c.get("/search", params=params, headers=JSON)).json()
            assert [r["id"] for r in answer["results"]] == [expected], words


def cli_args(tmp_path: Path, *argv: str) -> list[str]:
    return [*argv, "--config", f"{tmp_path}/node.toml", "--data-dir", f"{tmp_path}/data"]


async def test_the_cli_names_a_translation_and_refuses_a_no_derivatives_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from compagnon.cli import build_parser, main, settings_from

    def run(*argv: str) -> str:
        main(cli_args(tmp_path, *argv))
        return capsys.readouterr().out.strip()

    def publish(*argv: str) -> str:
        return run("resource", "publish", "ana", "--url", "https://cfp.example.org/x", *argv)

    await asyncio.to_thread(run, "user", "create", "ana")
    nd = await asyncio.to_thread(publish, "--title", "Soldering", "--license", "CC BY-NC-ND")
    with pytest.raises(SystemExit) as refused:
        await asyncio.to_thread(
            publish, "--title", "Soldadura", "--license", "CC BY-NC-ND", "--translation-of", nd
        )
    assert str(refused.value) == (
        f"error: {nd}: The source is licensed CC BY-NC-ND 4.0 (NoDerivatives): it may not be "
        "remixed or translated. Ask its author for permission, or choose another source."
    )

    nc = await asyncio.to_thread(publish, "--title", "Brazing", "--license", "CC BY-NC-SA")
    translated = await asyncio.to_thread(
        publish, "--title", "Brasagem", "--license", "CC BY-NC-SA 4.0", "--translation-of", nc
    )
    settings = settings_from(build_parser().parse_args(cli_args(tmp_path, "migrate")))
    async with operations.database(settings) as sessions, sessions() as session:
        source = await session.scalar(select(Object).where(Object.uri == nc))
        assert source is not None
        lineage = await lineage_of(session, source)
    assert [(d.uri, d.translation) for d in lineage.derivatives] == [(translated, True)]
