"""A learning resource with every field and two languages, published on node A, arrives on
node B with the same metadata field by field, is found there in both languages, and follows
A's edit and delete; the CLI publishes, edits and deletes with every field, and names every
mistake."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from compagnon import operations
from compagnon.domain.resources import Translation
from compagnon.federation.resource_convert import resource_from_document
from tests.conftest import NodeFactory
from tests.support.nodes import settle
from tests.support.resources import (
    HANDLE_FUELS,
    OXY_FUEL_TORCH,
    WELDER,
    WELDING,
    publish_resource,
)

JSON = {"Accept": "application/json"}
ACTIVITY_JSON = {"Accept": "application/activity+json"}


async def found(http: httpx.AsyncClient, words: str) -> list[str]:
    answer = (await http.get("/search", params={"q": words}, headers=JSON)).json()
    return [result["id"] for result in answer["results"]]


async def test_every_field_reaches_the_peer_and_follows_edits(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    obj = await publish_resource(a, "ana", WELDING)
    await settle(a, b)

    async with httpx.AsyncClient() as http:
        sent = (await http.get(obj.uri, headers=ACTIVITY_JSON)).json()
    copy = await b.object(obj.uri)
    assert copy is not None and copy.raw is not None and copy.type == "LearningResource"
    for name, value in sent.items():
        if name != "@context":
            assert copy.raw.get(name) == value, name
    assert "summary" not in copy.raw and not copy.summary  # shown in full, not folded
    assert resource_from_document(copy.raw) == WELDING
    assert sent["publisher"] == f"{a.base}/users/centre"
    assert sent["creator"] == [f"{a.base}/users/ana"]

    async with httpx.AsyncClient(base_url=b.base) as on_b:
        assert await found(on_b, "oxy fuel checklist") == [obj.uri]  # English
        assert await found(on_b, "soldadura maçarico") == [obj.uri]  # the translation
        for facet, value in (("competence", HANDLE_FUELS), ("occupation", WELDER)):
            answer = (await on_b.get("/search", params={facet: value}, headers=JSON)).json()
            assert [r["id"] for r in answer["results"]] == [obj.uri], facet
        params = {"q": "oxy", "lang": "en"}
        answer = (await on_b.get("/search", params=params, headers=JSON)).json()
        counted = {
            name: {v["value"]: v["label"] for v in vs} for name, vs in answer["facets"].items()
        }
        assert counted["occupation"] == {
            WELDER: "welder",
            "http://data.europa.eu/esco/isco/C7212": "Welders and flamecutters",
        }
        assert WELDER not in counted["competence"]
        assert counted["competence"][HANDLE_FUELS] == "handle fuels"
        page = await on_b.get("/search", params={"occupation": WELDER, "q": "checklist"})
        assert "Occupation (ESCO)" in page.text and "welder" in page.text

        def edited(resource: Any) -> Any:
            return replace(
                resource,
                translations=(Translation("pt-PT", "Lista de verificação de brasagem", ""),),
                teaches=(OXY_FUEL_TORCH,),
                eqf_level=4,
            )

        await operations.edit_resource(a.settings, "ana", obj.uri, edited)
        await settle(a, b)
        assert await found(on_b, "brasagem") == [obj.uri]
        assert await found(on_b, "soldadura") == []
        copy = await b.object(obj.uri)
        assert copy is not None and copy.raw is not None
        now = resource_from_document(copy.raw)
        assert now == edited(WELDING)
        assert copy.raw["updated"]

        # A centre that starts following after the edit imports the edited resource.
        c = await make_node("c", backend=backend)
        await c.create_user("carla")
        await c.follow("carla", f"ana@{a.domain}")
        await settle(a, c)
        synced = await c.object(obj.uri)
        assert synced is not None and synced.raw is not None
        assert resource_from_document(synced.raw) == edited(WELDING)

        await operations.delete_resource(a.settings, "ana", obj.uri)
        await settle(a, b)
        assert await found(on_b, "brasagem") == []
        gone = await b.object(obj.uri)
        assert gone is not None and gone.deleted_at is not None


def cli(tmp_path: Path, *argv: str) -> list[str]:
    return [*argv, "--config", f"{tmp_path}/node.toml", "--data-dir", f"{tmp_path}/data"]


async def test_the_cli_takes_every_field_and_edits_and_deletes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from compagnon.cli import build_parser, main, settings_from

    def run(*argv: str) -> str:
        main(cli(tmp_path, *argv))
        return capsys.readouterr().out.strip()

    await asyncio.to_thread(run, "user", "create", "ana")
    pt = WELDING.translations[0]
    uri = await asyncio.to_thread(
        run,
        "resource",
        "ana",
        *("--title", WELDING.title, "--description", WELDING.description),
        *("--url", WELDING.url, "--license", "CC BY-SA 4.0", "--language", "en"),
        *("--translation", "pt-PT", pt.title, pt.description),
        *("--also-in", "fr", "--eqf", "3", "--isced", "0715", "--type", "worksheet"),
        *("--audience", "student", "--audience", "teacher"),
        *("--occupation", "7aedaa07-3884-4c5b-88f9-80997b2aa54b", "--occupation", "7212"),
        *("--teaches", OXY_FUEL_TORCH, "--teaches", "digcomp:3.3"),
        *("--assesses", "esco:" + HANDLE_FUELS.rsplit("/", 1)[1], "--requires", "digcompedu:2.2"),
        *("--time", "PT1H30M", "--keyword", "welding", "--keyword", "safety"),
        *("--based-on", WELDING.is_based_on[0], "--part-of", WELDING.is_part_of[0]),
        *("--attachment", WELDING.attachments[0].url, "application/pdf", "Checklist"),
        "--licence-checked",  # the source's host does not exist: its licence is unknown
    )
    node = settings_from(build_parser().parse_args(cli(tmp_path, "migrate")))
    assert await operations.resource_of(node, "ana", uri) == WELDING

    out = await asyncio.to_thread(
        run, "resource", "edit", "ana", uri, "--eqf", "4", "--clear", "attachments"
    )
    assert out == f"updated: {uri}"
    now = await operations.resource_of(node, "ana", uri)
    assert now == replace(WELDING, eqf_level=4, attachments=())

    with pytest.raises(SystemExit) as failed:
        await asyncio.to_thread(
            run, "resource", "edit", "ana", uri, "--isced", "9999", "--teaches", "digcomp:9.9"
        )
    assert "'9999' is not one" in str(failed.value)
    assert "Unknown competence taught: digcomp:9.9" in str(failed.value)
    assert await operations.resource_of(node, "ana", uri) == now  # nothing half-done

    out = await asyncio.to_thread(run, "resource", "delete", "ana", uri)
    assert out == f"deleted: {uri}"
    with pytest.raises(SystemExit, match="There is no learning resource at"):
        await asyncio.to_thread(run, "resource", "delete", "ana", uri)
