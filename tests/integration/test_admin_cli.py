"""The admin commands added with the admin area: invite, user suspend|role, peer
silence|mode|import, deliveries resend|peer (the same operations as the /admin pages)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compagnon.cli import main
from tests.integration.test_cli import node_args, run_cli  # noqa: F401 (a fixture)

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_admin_commands(
    node_args: list[str],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_cli(
        ["init", *node_args, "--domain", "127.0.0.1:8998", "--admin-password-stdin"],
        capsys,
        "s3cret-admin-pass",
        monkeypatch,
    )
    run_cli(
        ["user", "create", "maria", "--password-stdin", *node_args],
        capsys,
        "a-long-pw",
        monkeypatch,
    )

    out = run_cli(
        ["invite", "create", "--role", "moderator", "--expires-in", "PT12H", *node_args], capsys
    )
    assert re.search(r"http://127\.0\.0\.1:8998/invite/[A-Za-z0-9_-]{20,}", out), out
    out = run_cli(["invite", "list", *node_args], capsys)
    assert re.search(r"#1\tmoderator\topen", out), out
    run_cli(["invite", "revoke", "1", *node_args], capsys)
    assert "#1\tmoderator\trevoked" in run_cli(["invite", "list", *node_args], capsys)
    with pytest.raises(SystemExit, match="P7D"):
        main(["invite", "create", "--expires-in", "a week", *node_args])

    run_cli(["user", "role", "maria", "moderator", *node_args], capsys)
    assert "maria\tmoderator" in run_cli(["user", "list", *node_args], capsys)
    assert "maria is suspended" in run_cli(["user", "suspend", "maria", *node_args], capsys)
    with pytest.raises(SystemExit, match="no account named"):
        main(["user", "suspend", "nobody", *node_args])

    out = run_cli(["peer", "import", str(FIXTURES / "blocklist.csv"), *node_args], capsys)
    assert "Imported. Domains blocked: 2; domains silenced: 1; lines skipped: 2." in out
    run_cli(["peer", "silence", "loud.example", *node_args], capsys)
    peers = run_cli(["peer", "list", *node_args], capsys)
    assert "spam.example\tblocked" in peers and "loud.example\tsilenced" in peers
    assert "only the allowlisted" in run_cli(["peer", "mode", "allowlist", *node_args], capsys)

    assert "no deliveries to that host" in run_cli(
        ["deliveries", "peer", "spam.example", *node_args], capsys
    )
    out = run_cli(
        ["deliveries", "resend", "--object", "http://127.0.0.1:8998/objects/1", *node_args], capsys
    )
    assert "0 deliveries queued again" in out
    assert "no deliveries for that object" in run_cli(
        ["deliveries", "http://127.0.0.1:8998/objects/1", *node_args], capsys
    )
