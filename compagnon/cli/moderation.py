"""What an admin watches: reports from other servers, where an object was delivered."""

from __future__ import annotations

import argparse

from compagnon import operations
from compagnon.cli import admin
from compagnon.cli.common import run, settings_from
from compagnon.i18n import _


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    sub.add_parser(
        "reports", parents=[parent], help="reports sent to this node's moderators"
    ).set_defaults(func=cmd_reports)
    deliveries = sub.add_parser(
        "deliveries", parents=[parent], help="where an object was delivered, and what is pending"
    )
    # `deliveries OBJECT_URL` (cli/__init__.py inserts `show`), `deliveries resend|peer ...`
    admin.add_delivery_actions(deliveries, parent)
    deliveries.set_defaults(func=cmd_deliveries)


def cmd_deliveries(args: argparse.Namespace) -> None:
    if args.action != "show":
        admin.cmd_deliveries_admin(args)
        return
    rows = run(operations.delivery_report(settings_from(args), args.object_url))
    if not rows:
        print(_("no deliveries for that object"))
    for row in rows:
        print(
            f"{row['state']}\t{row['attempts']}\t{row['last_status'] or '-'}\t{row['inbox']}"
            f"\t{row['last_error'] or ''}"
        )


def cmd_reports(args: argparse.Namespace) -> None:
    rows = run(operations.open_reports(settings_from(args)))
    if not rows:
        print(_("no open reports"))
    for row in rows:
        print(
            f"#{row['id']}\t{row['at']:%Y-%m-%d %H:%M}\tfrom {row['from']}\n"
            f"\tabout: {' '.join(row['about'])}\n\t{row['comment']}"
        )
