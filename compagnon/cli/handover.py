"""`compagnon catalogue export FILE | import FILE | stats`: the whole catalogue as AMB JSON
Lines, read back into another node, and the statistics page's tables (rich draws the bars
and tables; operations/handover.py does the work)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table as RichTable

from compagnon.cli.common import run, settings_from
from compagnon.handover.statistics import tables
from compagnon.i18n import _
from compagnon.operations import handover


def register_actions(
    catalogue: argparse._SubParsersAction[argparse.ArgumentParser],
    parent: argparse.ArgumentParser,
) -> None:
    """Add export, import and stats to `compagnon catalogue`."""
    export = catalogue.add_parser(
        "export", parents=[parent], help="write the whole catalogue as AMB JSON Lines"
    )
    export.add_argument("file", metavar="FILE", type=Path)
    export.set_defaults(func=cmd_export)
    load = catalogue.add_parser(
        "import",
        parents=[parent],
        help="read an AMB JSON Lines file (another node's export) into this node; "
        "run it again after an interruption to go on",
    )
    load.add_argument("file", metavar="FILE", type=Path)
    load.set_defaults(func=cmd_import)
    stats = catalogue.add_parser(
        "stats", parents=[parent], help="print the statistics of /statistics as tables"
    )
    stats.set_defaults(func=cmd_stats)


def _console() -> Console:
    return Console(file=sys.stdout, highlight=False)


def cmd_export(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    console = _console()
    with Progress(
        TextColumn(_("Exporting")),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=not console.is_terminal,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("export", total=None)
        written = run(
            handover.export_catalogue(
                settings,
                args.file,
                on_start=lambda total: bar.update(task, total=total),
                on_record=lambda: bar.advance(task),
            )
        )
    print(_("{n} records written to {path}", n=written, path=args.file))


def cmd_import(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    console = _console()
    with Progress(
        TextColumn(_("Importing")),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("import", total=None)

        def problem(line: int, reason: str) -> None:
            bar.console.print(_("line {line}: {reason} (skipped)", line=line, reason=reason))

        report = run(
            handover.import_catalogue(
                settings,
                args.file,
                on_start=lambda size: bar.update(task, total=size),
                on_progress=lambda done: bar.update(task, completed=done),
                on_problem=problem,
            )
        )
    print(
        _(
            "{imported} imported, {updated} updated, {held} already held, "
            "{bad} lines skipped (of {lines})",
            imported=report.imported,
            updated=report.updated,
            held=report.held,
            bad=report.bad_lines,
            lines=report.lines,
        )
    )
    if report.blocked:
        print(_("{n} records of blocked hosts left out", n=report.blocked))
    if report.bad_lines:
        raise SystemExit(1)


def cmd_stats(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    stats = run(handover.catalogue_statistics(settings))
    console = _console()
    console.print(_("{n} public resources counted", n=stats.total))
    for table in tables(stats):
        shown = RichTable(title=table.title, title_justify="left")
        for _key, heading in table.columns:
            shown.add_column(heading)
        for row in table.rows:
            shown.add_row(*(str(row[key]) for key, _heading in table.columns))
        if not table.rows:
            console.print(_("{title}: nothing counted yet", title=table.title))
            continue
        console.print(shown)
