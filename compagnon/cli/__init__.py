"""compagnon init | serve | worker | migrate | settings | user | follower | peer | post | follow
| follow-options | resource | catalogue | reports | deliveries | media | quiz | module | journey
| event | invite | reply | like | unlike | share | unshare | unfollow | report | notifications

One module per area registers its commands (`register(sub, parent)`), each with the function
that runs it. Every setting of config.Settings is also a flag of every command
(`--database-url ...`), so precedence is the same everywhere: defaults < node.toml <
COMPAGNON_* environment < flags.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from compagnon import logs
from compagnon.cli import (
    admin,
    aggregate,
    apps,
    catalogue,
    collections,
    database,
    events,
    media,
    moderation,
    node,
    people,
    quiz,
    resources,
    social,
    statistics,
)
from compagnon.cli.common import (
    add_global_options,
    first_contact_problem,
    settings_from,
    settings_parent,
)
from compagnon.config import SettingsError
from compagnon.federation.accounts import AccountError
from compagnon.i18n import _

__all__ = ["build_parser", "main", "settings_from"]

AREAS = (
    node,
    people,
    resources,
    catalogue,
    moderation,
    media,
    quiz,
    collections,
    events,
    admin,
    social,
    database,
    aggregate,
    apps,
    statistics,
)


def build_parser() -> argparse.ArgumentParser:
    parent = settings_parent()
    parser = argparse.ArgumentParser(prog="compagnon", description="A Compagnon node.")
    add_global_options(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(sub, parent)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["resource"] and argv[1:2] and argv[1] not in resources.ACTIONS:
        argv.insert(1, "publish")  # `compagnon resource NAME ...`, as before `edit` came
    if argv[:1] == ["deliveries"] and argv[1:2] and argv[1] not in admin.DELIVERY_ACTIONS:
        argv.insert(1, "show")  # `compagnon deliveries OBJECT_URL`, as before `resend` came
    if argv[:1] == ["post"] and argv[1:2] and argv[1] in social.POST_ACTIONS and len(argv) > 3:
        argv[0:2] = [f"post-{argv[1]}"]  # `post edit NAME URL TEXT`, `post delete NAME URL`
    args = build_parser().parse_args(argv)
    # Until a command reads its settings (which may ask for JSON lines: cli/common.py).
    logs.configure(os.environ.get("COMPAGNON_LOG_LEVEL", "INFO"))
    try:
        args.func(args)
    except SettingsError as exc:
        raise SystemExit(_("error in settings: {problem}", problem=exc)) from None
    except AccountError as exc:
        raise SystemExit(_("error: {problem}", problem=exc)) from None
    except Exception as exc:
        problem = first_contact_problem(exc)
        if problem is None:
            raise
        raise SystemExit(problem) from None
