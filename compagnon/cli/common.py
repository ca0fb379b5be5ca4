"""What every command shares: the settings flags, reading settings, running a coroutine."""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from compagnon import i18n, logs, operations
from compagnon.config import Settings, flag_name, load_settings, settings_fields
from compagnon.i18n import _

DEFAULT_CONFIG = "node.toml"
# Settings given before the command (`compagnon --language fr user list`), not after it:
# several commands have a `--language` of their own (the language of what they publish).
GLOBAL_ONLY = {"language": "interface_language"}


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--language",
        dest="interface_language",
        default=None,
        metavar="LANG",
        help="language of the commands' output: en fr pt it ro es ar "
        "(default: $COMPAGNON_LANGUAGE, then node.toml's `language`)",
    )


def settings_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("settings (override node.toml and COMPAGNON_*)")
    group.add_argument(
        "--config",
        default=os.environ.get("COMPAGNON_CONFIG", DEFAULT_CONFIG),
        help="path of node.toml (default: ./node.toml, or $COMPAGNON_CONFIG)",
    )
    for name, kind, _default, help_text in settings_fields():
        if name in GLOBAL_ONLY:
            continue
        if kind == "bool":
            group.add_argument(
                flag_name(name),
                dest=name,
                default=None,
                action=argparse.BooleanOptionalAction,
                help=help_text,
            )
        else:
            group.add_argument(
                flag_name(name),
                dest=name,
                default=None,
                help=help_text,
                type={"int": int, "float": float}.get(kind, str),
            )
    return parent


def settings_from(args: argparse.Namespace) -> Settings:
    names = [name for name, *_ in settings_fields() if name not in GLOBAL_ONLY]
    overrides = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    for name, dest in GLOBAL_ONLY.items():
        if getattr(args, dest, None) is not None:
            overrides[name] = getattr(args, dest)
    settings = load_settings(Path(args.config), overrides=overrides)
    # Every command reads its settings first: from here on its output is in that language.
    i18n.current_language.set(i18n.supported(settings.language) or i18n.DEFAULT_LANGUAGE)
    logs.configure(settings.log_level, settings.log_format)  # --log-format json, --log-level
    return settings


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        return asyncio.run(coro)
    except operations.OperationError as exc:
        raise SystemExit(_("error: {problem}", problem=exc)) from None


def read_password() -> str:
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise SystemExit(_("error: no password on standard input"))
    return password


def first_contact_problem(exc: BaseException) -> str | None:
    """One line a person can act on, for what a first run meets (a port already taken, a
    database that does not exist or does not answer); None for anything else."""
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return _(
            "error: the address and port are already in use: is another node running? "
            "Stop it, or choose another port with --port."
        )
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    if "does not exist" in first and isinstance(exc, DBAPIError):
        return _(
            "error: {reason}. Create the database first (for PostgreSQL: createdb NAME), "
            "then run the command again.",
            reason=first,
        )
    if isinstance(exc, (DBAPIError, ConnectionError, TimeoutError)) or (
        isinstance(exc, OSError) and exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH)
    ):
        return _(
            "error: cannot open the database ({reason}). Is the database server running, and "
            "is database_url right?",
            reason=first,
        )
    return None
