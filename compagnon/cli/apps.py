"""Phone apps signed in through the Mastodon API: list a trainer's, revoke one."""

from __future__ import annotations

import argparse

from compagnon.cli.common import run, settings_from
from compagnon.operations import apps


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = sub.add_parser("apps", parents=[parent], help="NAME: the apps allowed to use the account")
    p.add_argument("name")
    p.set_defaults(func=lambda a: print("\n".join(run(apps.authorised(settings_from(a), a.name)))))
    p = sub.add_parser("apps-revoke", parents=[parent], help="NAME APP_ID: sign an app out")
    p.add_argument("name")
    p.add_argument("app_id", type=int, metavar="APP_ID")
    p.set_defaults(func=lambda a: print(run(apps.revoke(settings_from(a), a.name, a.app_id))))
