"""What a new admin meets on the first day, each answered by one line that says what to do:
a port already taken, a PostgreSQL database that does not exist or does not answer, a node
tried on another port; and no Alembic chatter on every command."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from compagnon.cli import main
from tests.support.nodes import free_port

POSTGRES = os.environ.get("TEST_DATABASE_URL", "")


def base_args(tmp_path: Path) -> list[str]:
    return ["--config", str(tmp_path / "node.toml"), "--data-dir", str(tmp_path / "data")]


def one_line_error(args: list[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        main(args)
    message = str(stopped.value.code)
    assert message.startswith("error: ") and "\n" not in message, message
    assert "Traceback" not in message
    return message


def test_a_second_node_on_a_taken_port_says_so(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = one_line_error(
            ["serve", *base_args(tmp_path), "--port", str(port), "--no-run-worker"]
        )
    assert "already in use" in message and "--port" in message


def test_a_database_server_that_does_not_answer_says_so(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/compagnon"
    message = one_line_error(["migrate", *base_args(tmp_path), "--database-url", url])
    assert "cannot open the database" in message and "database_url" in message


@pytest.mark.skipif(not POSTGRES, reason="needs a PostgreSQL server (TEST_DATABASE_URL)")
def test_a_postgresql_database_that_does_not_exist_says_how_to_create_it(tmp_path: Path) -> None:
    missing = f"compagnon_missing_{uuid.uuid4().hex[:8]}"
    url = POSTGRES.rsplit("/", 1)[0] + f"/{missing}"
    message = one_line_error(["migrate", *base_args(tmp_path), "--database-url", url])
    assert f'database "{missing}" does not exist' in message and "createdb" in message


def test_migrate_says_what_it_did_without_alembic_chatter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["migrate", *base_args(tmp_path)])
    first = capsys.readouterr()
    assert "The database was upgraded from schema none to" in first.out
    main(["migrate", *base_args(tmp_path)])
    second = capsys.readouterr()
    assert "The database is up to date" in second.out
    for said in (first.err, second.err):
        assert "Context impl" not in said and "non-transactional DDL" not in said


def test_init_on_another_port_names_that_port_in_the_domain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["init", *base_args(tmp_path), "--port", "8123"])
    out = capsys.readouterr().out
    assert "Log in at http://127.0.0.1:8123/login" in out
    assert "can never change" in out
    assert 'domain = "127.0.0.1:8123"' in (tmp_path / "node.toml").read_text()


def test_init_for_the_internet_over_http_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["init", *base_args(tmp_path), "--domain", "centre.example.org"])
    out = capsys.readouterr().out
    assert 'needs scheme = "https"' in out
