"""compagnon db copy --to URL: the node's whole database into another (SQLite → PostgreSQL)."""

from __future__ import annotations

import argparse
import sys

from compagnon.cli.common import run, settings_from
from compagnon.i18n import _
from compagnon.operations.db_copy import copy_database
from compagnon.storage.copy import TargetNotEmpty


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    db = sub.add_parser("db", help=_("the node's database: copy it to another"))
    actions = db.add_subparsers(dest="db_command", required=True)
    copy = actions.add_parser(
        "copy",
        parents=[parent],
        help=_(
            "copy every row into another database (e.g. PostgreSQL), then point database_url at it"
        ),
    )
    copy.add_argument(
        "--to", required=True, dest="target", help=_("database URL to copy into (must be empty)")
    )
    copy.set_defaults(func=cmd_copy)


def cmd_copy(args: argparse.Namespace) -> None:
    settings = settings_from(args)

    def progress(table: str, rows: int) -> None:
        print(_("{table}: {n} rows copied", table=table, n=rows), file=sys.stderr)

    try:
        copied, indexed = run(copy_database(settings, args.target, progress))
    except TargetNotEmpty as exc:
        raise SystemExit(
            _(
                "error: the target database already holds data (table {table}); copy into an "
                "empty database.",
                table=str(exc),
            )
        ) from None
    width = max(len(c.table) for c in copied)
    for c in copied:
        mark = "" if c.source_rows == c.target_rows else "  <-- " + _("differs")
        print(f"{c.table:<{width}}  {c.source_rows:>9}  {c.target_rows:>9}{mark}")
    if any(c.source_rows != c.target_rows for c in copied):
        raise SystemExit(_("error: some tables differ after the copy (marked above)."))
    print(_("Every row copied; {n} objects re-indexed for search.", n=indexed))
    print(_("Now set database_url to the new database and restart the node."))
