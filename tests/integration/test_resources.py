"""Learning resources: validated when described, published as one object Mastodon shows in
full, with their educational metadata intact on the peer and in JSON-LD."""

from __future__ import annotations

import httpx
import pytest

from compagnon.domain.resource_rules import problems
from compagnon.domain.resources import LearningResource
from compagnon.federation.jsonld import expand
from tests.conftest import NodeFactory
from tests.support.nodes import settle
from tests.support.resources import QUIZ, publish_quiz

SDO = "http://schema.org/"


def test_a_description_with_mistakes_gets_every_mistake_named() -> None:
    bad = LearningResource(
        title="",
        description="",
        url="ftp://x",
        license="all rights",
        language="Portuguese",
        eqf_level=9,
        isced_field="71",
        resource_type="poster",
        time_required="20 minutes",
    )
    assert len(problems(bad)) == 8
    assert problems(QUIZ) == []


async def test_resource_reaches_a_follower_with_its_metadata(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    await b.follow("bruno", f"ana@{a.domain}")
    await settle(a, b)
    obj = await publish_quiz(a, "ana")
    await settle(a, b)

    copy = await b.object(obj.uri)
    assert copy is not None and copy.type == "LearningResource"
    for shown in ("self-check quiz", "EQF level 4", "20 min", "CC BY-SA 4.0", "open the resource"):
        assert shown in copy.content
    assert copy.raw is not None and copy.raw["timeRequired"] == "PT20M"

    async with httpx.AsyncClient() as http:
        served = (await http.get(obj.uri, headers={"Accept": "application/activity+json"})).json()
    assert served["type"] == ["Note", "LearningResource"]
    expanded = expand(served)[0]
    assert expanded[f"{SDO}license"] == [{"@id": QUIZ.license}]
    assert (
        expanded[f"{SDO}learningResourceType"][0]["@id"] == "https://w3id.org/kim/hcrt/assessment"
    )
    assert expanded[f"{SDO}educationalLevel"][0]["@value"] == "http://data.europa.eu/snb/eqf/4"
    names = {t["name"] for t in served["tag"]}
    assert {"#OER", "#CreativeCommons", "#EQF4"} <= names


@pytest.mark.parametrize("visibility", ["public", "followers"])
async def test_cli_publishes_or_names_the_mistakes(
    visibility: str, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from compagnon.cli import main

    args = ["--config", f"{tmp_path}/node.toml", "--data-dir", f"{tmp_path}/data"]
    await asyncio.to_thread(main, ["user", "create", "ana", *args])
    with pytest.raises(SystemExit, match="Choose a Creative Commons licence"):
        await asyncio.to_thread(
            main,
            [
                "resource",
                "ana",
                "--title",
                "Quiz",
                "--url",
                "https://x.org/q",
                "--license",
                "mine",
                *args,
            ],
        )
    await asyncio.to_thread(
        main,
        [
            "resource",
            "ana",
            "--title",
            "Quiz",
            "--url",
            "https://x.org/q",
            "--license",
            QUIZ.license,
            "--eqf",
            "3",
            "--time",
            "PT1H30M",
            "--visibility",
            visibility,
            *args,
        ],
    )
    assert "/objects/" in capsys.readouterr().out
