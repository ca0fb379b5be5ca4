"""Catalogue sync of followed actors: sync, status."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from compagnon.cli import handover
from compagnon.cli.common import run, settings_from
from compagnon.i18n import _, ngettext
from compagnon.operations import aggregate
from compagnon.operations import catalogue_sync as sync_ops
from compagnon.operations import handover as handover_ops


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    top = sub.add_parser(
        "catalogue",
        help="import a followed centre's catalogue (outbox); write the sitemap as files",
    )
    top.set_defaults(func=cmd_catalogue)
    catalogue = top.add_subparsers(dest="action", required=True)
    sync = catalogue.add_parser(
        "sync",
        parents=[parent],
        help="queue a sync of a remote actor's outbox (the worker runs it)",
    )
    sync.add_argument("handle", metavar="HANDLE_OR_URL")
    sync.add_argument(
        "--now", action="store_true", help="run the sync here, with a progress line, until it ends"
    )
    sync.add_argument(
        "--full",
        action="store_true",
        help="walk the whole outbox, not only until pages bring nothing new",
    )
    catalogue.add_parser("status", parents=[parent], help="list catalogue sync jobs")
    written = catalogue.add_parser(
        "sitemap",
        parents=[parent],
        help="write the sitemap as static files (sitemap.xml, sitemaps/N.xml) into a directory",
    )
    written.add_argument("--write", metavar="DIR", required=True, type=Path)
    handover.register_actions(catalogue, parent)  # export, import, stats (cli/handover.py)
    origin = catalogue.add_parser(
        "provenance",
        parents=[parent],
        help="where a held record came from (route, origin, first and last seen); "
        "without URI, records per origin and route",
    )
    origin.add_argument("uri", metavar="URI", nargs="?")
    catalogue.add_parser(
        "announce",
        parents=[parent],
        help="have the centre announce its trainers' public resources it has not announced yet",
    )


def _sync_line(row: dict[str, Any]) -> str:
    return (
        f"{row['state']}\t{row['imported']} imported\t{row['skipped']} skipped"
        f"\t{row['known']} already held\t{row['actor']}"
        f"\t{row['stopped'] or row['last_error'] or ''}"
    ).rstrip("\t")


def cmd_catalogue(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "sitemap":
        for path in run(handover_ops.write_sitemap(settings, args.write)):
            print(path)
        return
    if args.action == "provenance":
        if args.uri:
            row = run(aggregate.provenance_of(settings, args.uri))
            print(row["sentence"])
            if row.get("via"):
                print(_("through {via}", via=row["via"]))
            return
        rows = run(aggregate.provenance_summary(settings))
        if not rows:
            print(_("no records received yet"))
        for host, route, count in rows:
            print(f"{host}\t{route}\t{count}")
        return
    if args.action == "announce":
        count = run(aggregate.announce_catalogue(settings))
        print(
            ngettext(
                "The centre announced {n} resource to its followers.",
                "The centre announced {n} resources to its followers.",
                count,
            )
        )
        return
    if args.action == "status":
        rows = run(sync_ops.catalogue_status(settings))
        if not rows:
            print(_("no catalogue sync jobs"))
        for row in rows:
            print(_sync_line(row))
        return
    live = sys.stdout.isatty()

    def progress(report: Any) -> None:
        # One line rewritten in place on a terminal; a line every 50 pages in a log.
        line = f"{args.handle}: {report.pages} pages, {report.imported} imported, " + (
            f"{report.skipped} skipped"
        )
        if live:
            print("\r" + line, end="", flush=True)
        elif report.pages % 50 == 0:
            print(line, flush=True)

    row = run(
        sync_ops.catalogue_sync(
            settings,
            args.handle,
            full=True if args.full else None,
            run=args.now,
            progress=progress if args.now else None,
        )
    )
    if args.now and live:
        print()
    if row["stopped"]:  # stopped at a limit, and left so: say why and what to do
        print(_sync_line(row))
        print(row["go_on"])
        return
    if not args.now:
        print(
            _(
                "queued: {actor} (the worker imports it; see `compagnon catalogue status`)",
                actor=row["actor"],
            )
        )
        return
    print(_sync_line(row))
