"""`compagnon media add USER FILE` and `compagnon media list`, as README.md shows them; the URL
printed is served by the node."""

from __future__ import annotations

import asyncio
import hashlib
import io
import sys
from pathlib import Path

import httpx
import pytest

from compagnon.cli import main
from tests.support.nodes import Node
from tests.unit.test_media_sniff import MINIMAL_PDF


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    main(args)
    return capsys.readouterr().out


async def fetch_through(node: Node, path: str) -> httpx.Response:
    await node.start()
    try:
        async with httpx.AsyncClient(base_url=node.base) as http:
            return await http.get(path)
    finally:
        await node.stop()


def test_media_add_prints_the_url_and_list_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    node = Node("cli", f"sqlite+aiosqlite:///{data / 'compagnon.sqlite3'}", data)
    args = ["--config", str(tmp_path / "node.toml"), "--data-dir", str(data)]
    args += ["--domain", node.domain]
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    run_cli(["user", "create", "maria", "--password-stdin", *args], capsys)
    assert "no files stored" in run_cli(["media", "list", *args], capsys)

    lesson = tmp_path / "Ficha de segurança.pdf"
    lesson.write_bytes(MINIMAL_PDF)
    sha = hashlib.sha256(MINIMAL_PDF).hexdigest()
    url = f"{node.base}/media/{sha}"
    out = run_cli(["media", "add", "maria", str(lesson), *args], capsys).splitlines()
    assert out[0] == url
    assert out[1] == f"application/pdf, {len(MINIMAL_PDF)} bytes, stored"
    assert out[2].startswith(f"preview: {node.base}/media/")
    again = run_cli(["media", "add", "maria", str(lesson), *args], capsys).splitlines()
    assert again[0] == url and "already stored" in again[1]

    listed = run_cli(["media", "list", *args], capsys).splitlines()
    assert listed == [f"{url}\tapplication/pdf\t{len(MINIMAL_PDF)}\tmaria\tFicha de segurança.pdf"]

    served = asyncio.run(fetch_through(node, f"/media/{sha}"))
    assert served.status_code == 200 and served.content == MINIMAL_PDF

    page = tmp_path / "lesson.pdf"
    page.write_text("<html><script>alert(1)</script></html>")
    with pytest.raises(SystemExit, match="Web pages, SVG, XML and scripts cannot be uploaded"):
        main(["media", "add", "maria", str(page), *args])
    with pytest.raises(SystemExit, match=r"larger than the limit of 0\.1 KB"):
        main(["media", "add", "maria", str(lesson), *args, "--max-upload-bytes", "100"])
    with pytest.raises(SystemExit, match="no local account"):
        main(["media", "add", "nobody", str(lesson), *args])
    with pytest.raises(SystemExit, match="no file at"):
        main(["media", "add", "maria", str(tmp_path / "missing.pdf"), *args])
    assert len(run_cli(["media", "list", *args], capsys).splitlines()) == 1
