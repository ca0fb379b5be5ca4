"""Bulk export and import (issue 11, part 4): `compagnon catalogue export` on node A, then
`catalogue import` into node B gives the same AMB records; the import is idempotent, goes on
after an interruption and names each bad line; `GET /export/amb` pages after a cursor and
lists what was edited and deleted since."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from compagnon.cli import main
from compagnon.federation.outbox import publish
from compagnon.server.keys import FEDERATION
from compagnon.storage.queries import actors as actor_queries
from tests.conftest import NodeFactory
from tests.support.resources import QUIZ, WELDING, publish_resource


def cli(args: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "") -> str:
    sys.stdin = io.StringIO(stdin)
    try:
        main(args)
    finally:
        sys.stdin = sys.__stdin__
    return capsys.readouterr().out


def node_args(root: Path, name: str, port: int) -> list[str]:
    return [
        "--config",
        str(root / name / "node.toml"),
        "--data-dir",
        str(root / name / "data"),
        "--domain",
        f"127.0.0.1:{port}",
        "--scheme",
        "http",
    ]


def init_node(root: Path, name: str, port: int, capsys: pytest.CaptureFixture[str]) -> list[str]:
    (root / name).mkdir()
    args = node_args(root, name, port)
    cli(["init", *args, "--admin-password-stdin"], capsys, "an admin password")
    return args


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the page it is served at (each node serves its own copy)."""
    return {k: v for k, v in record.items() if k != "mainEntityOfPage"}


def test_export_then_import_gives_the_same_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = init_node(tmp_path, "a", 8101, capsys)
    cli(["user", "create", "maria", "--password-stdin", *a], capsys, "a long password")
    for title, extra in (
        (
            "MIG welding checklist",
            ["--eqf", "3", "--isced", "0715", "--type", "worksheet", "--keyword", "welding"],
        ),
        ("Gas safety quiz", ["--eqf", "4", "--language", "pt", "--type", "assessment"]),
        ("Kitchen hygiene", ["--isced", "1013", "--time", "PT20M", "--audience", "student"]),
    ):
        cli(
            [
                "resource",
                "maria",
                "--title",
                title,
                "--url",
                "https://cfp.example.pt/" + title.split()[0].lower(),
                "--license",
                "CC BY-SA 4.0",
                "--description",
                f"All about {title}.",
                *extra,
                *a,
            ],
            capsys,
        )
    exported = tmp_path / "a.jsonl"
    out = cli(["catalogue", "export", str(exported), *a], capsys)
    assert "3 records written" in out
    sent = records(exported)
    assert sorted(r["name"] for r in sent) == [
        "Gas safety quiz",
        "Kitchen hygiene",
        "MIG welding checklist",
    ]

    b = init_node(tmp_path, "b", 8102, capsys)
    out = cli(["catalogue", "import", str(exported), *b], capsys)
    assert "3 imported, 0 updated, 0 already held, 0 lines skipped" in out
    again = tmp_path / "b.jsonl"
    cli(["catalogue", "export", str(again), *b], capsys)
    kept = {r["id"]: r for r in records(again)}
    for record in sent:
        assert comparable(kept[record["id"]]) == comparable(record)
        assert kept[record["id"]]["mainEntityOfPage"][0]["id"].startswith(
            "http://127.0.0.1:8102/resource/amb?uri="
        )
    # B's search and statistics count them like any peer's resources.
    out = cli(["catalogue", "stats", *b], capsys)
    assert "3 public resources counted" in out and "Mechanics and metal trades" in out

    # A second run is idempotent: nothing new, nothing changed.
    out = cli(["catalogue", "import", str(exported), *b], capsys)
    assert "0 imported, 0 updated, 3 already held" in out


def test_an_interrupted_import_goes_on_and_bad_lines_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = init_node(tmp_path, "a", 8103, capsys)
    cli(["user", "create", "ana", "--password-stdin", *a], capsys, "a long password")
    for n in range(5):
        cli(
            [
                "resource",
                "ana",
                "--title",
                f"Sheet {n}",
                "--url",
                f"https://x.example/{n}",
                "--license",
                "CC0",
                *a,
            ],
            capsys,
        )
    exported = tmp_path / "a.jsonl"
    cli(["catalogue", "export", str(exported), *a], capsys)
    lines = exported.read_text().splitlines()
    assert len(lines) == 5

    b = init_node(tmp_path, "b", 8104, capsys)
    # The first run stopped after two records (a file cut short, as by an interruption).
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(lines[:2]) + "\n")
    assert "2 imported" in cli(["catalogue", "import", str(first), *b], capsys)

    broken = json.loads(lines[3])
    del broken["id"]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "\n".join([*lines[:3], "{not json", json.dumps(broken), lines[4], "[1, 2]"]) + "\n"
    )
    with pytest.raises(SystemExit) as stopped:
        cli(["catalogue", "import", str(mixed), *b], capsys)
    assert stopped.value.code == 1
    out = capsys.readouterr().out
    assert "line 4: not JSON" in out
    assert "line 5: id: a record needs the resource's http(s) address (skipped)" in out
    assert "line 7: not an AMB record" in out
    # The two held before are passed over; the good new ones are stored.
    assert "2 imported, 0 updated, 2 already held, 3 lines skipped (of 7)" in out
    again = tmp_path / "b.jsonl"
    cli(["catalogue", "export", str(again), *b], capsys)
    assert sorted(r["name"] for r in records(again)) == [
        "Sheet 0",
        "Sheet 1",
        "Sheet 2",
        "Sheet 4",
    ]

    # A node that blocks A's host takes nothing of it from a file either.
    c = init_node(tmp_path, "c", 8105, capsys)
    cli(["peer", "block", "127.0.0.1:8103", *c], capsys)
    out = cli(["catalogue", "import", str(exported), *c], capsys)
    assert "0 imported" in out and "5 records of blocked hosts left out" in out


async def test_export_pages_after_a_cursor_with_edits_and_deletions(
    make_node: NodeFactory, backend: str
) -> None:
    node = await make_node("a", backend=backend)
    await node.create_user("maria")
    first = await publish_resource(node, "maria", WELDING)
    second = await publish_resource(node, "maria", QUIZ)
    third = await publish_resource(node, "maria", replace(QUIZ, title="Third sheet"))
    async with httpx.AsyncClient() as http:
        page = (await http.get(f"{node.base}/export/amb?limit=2")).json()
        assert [r["id"] for r in page["records"]] == [first.uri, second.uri]
        assert page["deleted"] == [] and page["complete"] is False
        rest = (await http.get(page["next"])).json()
        assert [r["id"] for r in rest["records"]] == [third.uri]
        assert rest["complete"] is True
        # Nothing new: the same cursor comes back, with nothing.
        idle = (await http.get(rest["next"])).json()
        assert idle["records"] == [] and idle["cursor"] == rest["cursor"]

        assert node.app is not None
        async with node.sessions.begin() as session:
            author = await actor_queries.local_by_username(session, "maria")
            assert author is not None
            held = await session.get(type(first), first.id)
            assert held is not None
            await publish.update_resource(
                session,
                node.app[FEDERATION].urls,
                author,
                held,
                replace(WELDING, title="Oxy-fuel welding: safety checklist, 2nd edition"),
            )
        await node.delete(second.uri)

        changed = (await http.get(rest["next"])).json()
        assert [r["name"] for r in changed["records"]] == [
            "Oxy-fuel welding: safety checklist, 2nd edition"
        ]
        assert [d["id"] for d in changed["deleted"]] == [second.uri]
        # From the start, the deleted resource is a deletion, not a record.
        whole = (await http.get(f"{node.base}/export/amb")).json()
        assert {r["id"] for r in whole["records"]} == {first.uri, third.uri}
        assert [d["id"] for d in whole["deleted"]] == [second.uri]

        bad = await http.get(f"{node.base}/export/amb?since=nonsense")
        assert bad.status_code == 400 and "since" in bad.json()["error"]
        too_many = await http.get(f"{node.base}/export/amb?limit=100000")
        assert too_many.status_code == 400 and "limit" in too_many.json()["error"]
