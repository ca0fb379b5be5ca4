"""The admin's commands, as documented in README.md: init, user, post, follow, peer,
deliveries, settings — and `serve` as a real process answering on its port."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from compagnon.cli import main
from compagnon.config import settings_markdown
from tests.conftest import NodeFactory
from tests.support.nodes import free_port


def run_cli(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: str = "",
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> str:
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    main(args)
    return capsys.readouterr().out


@pytest.fixture
def node_args(tmp_path: Path) -> list[str]:
    return [
        "--config",
        str(tmp_path / "node.toml"),
        "--data-dir",
        str(tmp_path / "data"),
        "--allow-private-addresses",
    ]


def test_init_user_post_and_deliveries(
    node_args: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = run_cli(
        [
            "init",
            *node_args,
            "--domain",
            "127.0.0.1:8999",
            "--country",
            "PT",
            "--admin-password-stdin",
        ],
        capsys,
        "s3cret-admin-pass",
        monkeypatch,
    )
    assert "Log in at http://127.0.0.1:8999/login" in out
    config = (tmp_path / "node.toml").read_text()
    assert 'domain = "127.0.0.1:8999"' in config and 'country = "PT"' in config
    with pytest.raises(SystemExit, match="exists already"):
        main(["init", *node_args])

    out = run_cli(
        ["user", "create", "maria", "--password-stdin", *node_args],
        capsys,
        "a-long-password",
        monkeypatch,
    )
    assert "http://127.0.0.1:8999/users/maria" in out
    out = run_cli(["user", "list", *node_args], capsys)
    assert "admin\tadmin" in out and "maria\ttrainer" in out
    with pytest.raises(SystemExit, match="exists already"):
        run_cli(["user", "create", "maria", *node_args], capsys)

    uri = run_cli(["post", "maria", "Soldadura: ficha de segurança", *node_args], capsys).strip()
    assert uri.startswith("http://127.0.0.1:8999/objects/")
    out = run_cli(["deliveries", uri, *node_args], capsys)
    assert "no deliveries" in out  # nobody follows maria yet
    with pytest.raises(SystemExit):
        main(["post", "maria", "x", "--visibility", "secret", *node_args])
    assert "invalid choice: 'secret'" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="no local account"):
        main(["post", "nobody", "hello", *node_args])


def test_peer_block_and_allow(node_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(["peer", "block", "spam.example", *node_args], capsys)
    assert "spam.example\tblocked" in run_cli(["peer", "list", *node_args], capsys)
    run_cli(["peer", "allow", "spam.example", *node_args], capsys)
    assert "spam.example\tok" in run_cli(["peer", "list", *node_args], capsys)


def test_settings_precedence_and_reference(
    node_args: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "node.toml").write_text('node_name = "From file"\nport = 8100\n')
    monkeypatch.setenv("COMPAGNON_PORT", "8200")
    from compagnon.cli import build_parser, settings_from

    args = build_parser().parse_args(["migrate", *node_args, "--node-name", "From flag"])
    settings = settings_from(args)
    assert settings.node_name == "From flag" and settings.port == 8200
    out = run_cli(["settings", *node_args], capsys)
    assert out == settings_markdown()
    assert "`COMPAGNON_DATABASE_URL`" in out
    docs = Path(__file__).parents[2] / "docs" / "configuration.md"
    assert settings_markdown() in docs.read_text(), "run `compagnon settings` into the docs"


async def test_follow_from_the_command_line(
    node_args: list[str],
    capsys: pytest.CaptureFixture[str],
    make_node: NodeFactory,
) -> None:
    peer = await make_node("peer")
    await peer.create_user("pedro")
    port = free_port()
    args = [*node_args, "--domain", f"127.0.0.1:{port}"]
    await asyncio.to_thread(main, ["user", "create", "maria", *args])
    await asyncio.to_thread(main, ["follow", "maria", f"pedro@{peer.domain}", *args])
    out = capsys.readouterr().out
    assert f"pending: http://127.0.0.1:{port}/users/maria → {peer.base}/users/pedro" in out
    with pytest.raises(SystemExit, match="WebFinger lookup of nobody@"):
        await asyncio.to_thread(main, ["follow", "maria", "nobody@" + peer.domain, *args])
    with pytest.raises(SystemExit, match="neither user@host nor"):
        await asyncio.to_thread(main, ["follow", "maria", "not a handle", *args])


async def test_serve_runs_a_node_that_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "COMPAGNON_DOMAIN": f"127.0.0.1:{port}",
        "COMPAGNON_PORT": str(port),
        "COMPAGNON_DATA_DIR": str(tmp_path / "data"),
        "COMPAGNON_RUN_WORKER": "true",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "compagnon",
        "serve",
        "--init-if-missing",
        "--config",
        str(tmp_path / "node.toml"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        lines = []
        for _ in range(50):  # bounded: read start-up lines until the server says it serves
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            lines.append(line)
            if "Compagnon serving" in line or not line:
                break
        text = "".join(lines)
        assert "Admin password (shown once):" in text
        assert f"Log in at http://127.0.0.1:{port}/login" in text
        assert "Compagnon serving" in text  # printed once the port listens
        async with httpx.AsyncClient() as http:
            answer = await http.get(
                f"http://127.0.0.1:{port}/.well-known/webfinger",
                params={"resource": f"acct:admin@127.0.0.1:{port}"},
            )
        assert answer.status_code == 200
    finally:
        process.terminate()
        await process.wait()


def test_database_of_another_domain_is_refused_plainly(
    node_args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(["user", "create", "maria", *node_args, "--domain", "a.example:8080"], capsys)
    with pytest.raises(SystemExit, match=r"belongs to the node http://a\.example:8080"):
        main(["user", "list", *node_args, "--domain", "b.example:8080"])
