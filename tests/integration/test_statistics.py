"""The statistics (issue 11, part 5) of a node holding its own resources and two peers': the
page draws every chart as well-formed SVG with its title, description and table; the CSV
and JSON give the page's numbers; an actor refusing indexing (`indexable: false`) and a
silenced one are not counted; the command prints the same tables. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from dataclasses import replace
from typing import Any

import httpx
import pytest
from lxml import etree, html

from compagnon.cli import main
from tests.conftest import NodeFactory
from tests.support.resources import QUIZ, publish_resource
from tests.support.statistics import fill

SVG = "{http://www.w3.org/2000/svg}"


def page_tables(page: Any) -> dict[str, list[list[str]]]:
    found = {}
    for section in page.xpath("//section[@class='stats-chart']"):
        rows = section.xpath(".//table/tbody/tr")
        found[section.get("id")] = [[td.text_content() for td in tr.xpath("td")] for tr in rows]
    return found


async def test_statistics_page_csv_json_and_command(
    make_node: NodeFactory, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    node = await make_node("a", backend=backend, country="ES")
    await fill(node)
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{node.base}/statistics")
        assert answer.status_code == 200
        numbers = (await http.get(f"{node.base}/statistics.json")).json()
        tables = numbers["tables"]
        csvs = {
            name: list(
                csv.reader(io.StringIO((await http.get(f"{node.base}/statistics/{name}.csv")).text))
            )
            for name in tables
        }
        missing = await http.get(f"{node.base}/statistics/nothing.csv")
    assert missing.status_code == 404

    # Counted: our two, Lisbon's video and quiz; not Lyon's (indexable: false), not spam.
    assert numbers["total"] == 4
    facets = ("country", "eqf", "field", "type", "language", "licence")
    by = {name: {r["key"]: r["resources"] for r in tables[name]["rows"]} for name in facets}
    assert by["country"] == {"ES": 2, "PT": 2}
    assert by["eqf"] == {"3": 2, "4": 1, "": 1}
    assert by["field"] == {"0715": 2, "0611": 1, "": 1}
    assert by["type"] == {"worksheet": 1, "assessment": 1, "video": 1, "question": 1}
    assert by["language"] == {"en": 2, "pt": 1, "": 1}
    assert {r["key"]: r["count"] for r in tables["active"]["rows"]} == {
        "centres": 2,
        "trainers": 2,
    }
    assert sum(r["new"] for r in tables["growth"]["rows"]) == 4
    assert tables["growth"]["rows"][-1]["total"] == 4
    links = {(r["follower"], r["followed"]): r["follows"] for r in tables["federation"]["rows"]}
    assert links == {(node.domain, "cfp-lisboa.example"): 1, ("cfp-lisboa.example", node.domain): 1}

    # The page shows the same rows as the JSON and the CSV, labelled.
    page = html.fromstring(answer.text)
    shown = page_tables(page)
    for name, table in tables.items():
        columns = table["columns"]
        assert csvs[name][0] == columns
        expected = [[str(row[c]) for c in columns] for row in table["rows"]]
        assert csvs[name][1:] == expected
        assert shown[name] == expected
    assert "Portugal" in answer.text and "Mechanics and metal trades" in answer.text
    assert "Cuisine" not in answer.text and "ifp-lyon" not in answer.text

    # Every chart is well-formed SVG named by its title and described.
    svgs = re.findall(r"<svg .*?</svg>", answer.text, flags=re.S)
    assert len(svgs) == len(tables)
    for svg in svgs:
        drawn = etree.fromstring(svg.encode())  # the served text, parsed as XML
        assert drawn.get("role") == "img"
        title, desc = drawn.find(f"{SVG}title"), drawn.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert drawn.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"

    # A resource published since is counted at once (the kept numbers are only reused while
    # nothing changed).
    await publish_resource(node, "maria", replace(QUIZ, title="One more"))
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{node.base}/statistics.json")).json()["total"] == 5

    # The command prints the same tables.
    settings = node.settings
    await asyncio.to_thread(
        main,
        [
            "catalogue",
            "stats",
            "--database-url",
            settings.database_url,
            "--domain",
            settings.domain,
            "--scheme",
            "http",
            "--country",
            "ES",
            "--config",
            "/nonexistent",
        ],
    )
    printed = capsys.readouterr().out
    assert "5 public resources counted" in printed
    for title in ("Resources by country", "Resources by EQF level", "Which centres federate"):
        assert title in printed
    assert "Portugal" in printed and "cfp-lisboa.example" in printed


def test_svg_charts_are_xml_with_hostile_labels() -> None:
    from compagnon.handover import charts

    for svg in (
        charts.bar_chart("x", "<b>&", [("<script>alert(1)</script>", 3), ("a & b", 0)]),
        charts.growth_chart("g", "Growth", [("2026-01", 1), ("2026-02", 5)]),
        charts.graph_chart("f", "Graph", [("a.example", "b.example", 2), ("b.example", "a", 1)]),
    ):
        assert svg is not None
        tree = etree.fromstring(str(svg).encode())
        assert tree.tag == f"{SVG}svg"
        assert tree.find(f"{SVG}title") is not None and tree.find(f"{SVG}desc") is not None
        assert "<script>" not in str(svg)
    assert charts.bar_chart("x", "empty", []) is None


def test_a_first_month_of_growth_is_drawn() -> None:
    """A new node has one month: a line of one point draws nothing, so each month has a dot."""
    from compagnon.handover import charts

    svg = charts.growth_chart("g", "Growth", [("2026-12", 2)])
    assert svg is not None
    tree = etree.fromstring(str(svg).encode())
    assert len(tree.findall(f"{SVG}circle")) == 1
    assert tree.findtext(f"{SVG}desc") == "Chart of all resources: 2 in 2026-12."


@pytest.mark.parametrize("lang", ["fr"])
def test_labels_follow_the_language(lang: str) -> None:
    from compagnon.handover.statistics import Statistics, tables
    from compagnon.i18n import current_language

    stats = Statistics(total=1, by={"country": [("PT", 1)], "field": [("0715", 1)]})
    token = current_language.set(lang)
    try:
        shown = {t.name: t.rows for t in tables(stats)}
    finally:
        current_language.reset(token)
    assert shown["country"][0]["label"] == "Portugal"
    assert shown["field"][0]["label"] != "Mechanics and metal trades"  # the French label
