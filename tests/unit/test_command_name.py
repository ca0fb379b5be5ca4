"""The first run's "Lost it?" line names the command the way its reader can type it again:
after `make run` that is `.venv/bin/compagnon`, which is not on their PATH."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from compagnon.cli.node import command_name


def _script(folder: Path) -> Path:
    script = folder / ".venv" / "bin" / "compagnon"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    return script


def test_after_make_run_the_venv_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _script(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [".venv/bin/compagnon", "serve"])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert command_name() == os.path.join(".venv", "bin", "compagnon")


def test_on_the_path_the_plain_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _script(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script), "init"])
    monkeypatch.setenv("PATH", str(script.parent))
    assert command_name() == "compagnon"
    monkeypatch.setattr(sys, "argv", ["/x/compagnon/__main__.py", "init"])  # python -m
    assert command_name() == "compagnon"
