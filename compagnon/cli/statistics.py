"""`compagnon statistics rebuild`: recompute the statistics counts from the search index
(storage/queries/statistics_counts.py), for after a restore, a repair by hand, or a doubt."""

from __future__ import annotations

import argparse

from compagnon.cli.common import run, settings_from
from compagnon.i18n import ngettext
from compagnon.operations import handover


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    statistics = sub.add_parser("statistics", help="the counts behind /statistics")
    actions = statistics.add_subparsers(dest="action", required=True)
    rebuild = actions.add_parser(
        "rebuild",
        parents=[parent],
        help="recompute the statistics counts from scratch (they are kept current by ingest)",
    )
    rebuild.set_defaults(func=cmd_rebuild)


def cmd_rebuild(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    counted = run(handover.rebuild_statistics(settings))
    print(
        ngettext(
            "Statistics rebuilt: {n} public resource counted.",
            "Statistics rebuilt: {n} public resources counted.",
            counted,
        )
    )
