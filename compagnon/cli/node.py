"""Running a node: init, serve, worker, migrate, settings."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import tomli_w

from compagnon import operations
from compagnon.cli.common import read_password, run, settings_from
from compagnon.config import Settings, settings_fields
from compagnon.config import settings_markdown as _settings_markdown
from compagnon.i18n import _


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    init = sub.add_parser(
        "init", parents=[parent], help="write node.toml, create the database and an admin account"
    )
    init.add_argument("--admin", default="admin", help="username of the first admin")
    init.add_argument(
        "--admin-password-stdin",
        action="store_true",
        help="read the admin password from standard input",
    )
    init.set_defaults(func=cmd_init)
    serve = sub.add_parser("serve", parents=[parent], help="run the web server (and worker)")
    serve.add_argument(
        "--init-if-missing",
        action="store_true",
        help="run `init` first when node.toml does not exist",
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("worker", parents=[parent], help="run an extra delivery worker").set_defaults(
        func=cmd_worker
    )
    sub.add_parser(
        "migrate", parents=[parent], help="bring the database schema up to date"
    ).set_defaults(func=cmd_migrate)
    sub.add_parser(
        "settings", parents=[parent], help="print the settings reference (Markdown)"
    ).set_defaults(func=cmd_settings)


def cmd_init(args: argparse.Namespace) -> None:
    config = Path(args.config)
    if config.exists():
        raise SystemExit(
            _("error: {path} exists already; edit it, or remove it to start over", path=config)
        )
    settings = settings_from(args)
    defaults = Settings()
    chosen = {
        name: getattr(settings, name)
        for name, *_ in settings_fields()
        if getattr(settings, name) != getattr(defaults, name)
    }
    password = read_password() if args.admin_password_stdin else None
    admin = run(operations.create_user(settings, args.admin, password, is_admin=True))
    config.write_text(
        "# Compagnon node settings: see docs/configuration.md\n" + tomli_w.dumps(chosen)
    )
    print(_("Wrote {path}; database at {url}", path=config, url=settings.resolved_database_url))
    print(_("Admin account: {name}", name=admin.username))
    if admin.password:
        print(_("Admin password (shown once): {password}", password=admin.password))
    print(_("Log in at {url}", url=f"{settings.base_url}/login"))


def cmd_serve(args: argparse.Namespace) -> None:
    if args.init_if_missing and not Path(args.config).exists():
        args.admin, args.admin_password_stdin = "admin", False
        cmd_init(args)
    from aiohttp import web

    from compagnon.server.app import create_app

    settings = settings_from(args)
    banner = f"Compagnon serving {settings.base_url} on http://{settings.host}:{settings.port}"
    # run_app calls `print` once the socket listens: the banner means "ready".
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=lambda _message: print(banner, flush=True),
    )


def cmd_worker(args: argparse.Namespace) -> None:
    from compagnon.server.worker import Worker

    settings = settings_from(args)

    async def work() -> None:
        async with operations.federation(settings) as ctx:
            await Worker(ctx).run_forever(asyncio.Event())

    run(work())


def cmd_migrate(args: argparse.Namespace) -> None:
    async def migrate() -> None:
        async with operations.database(settings_from(args)):
            pass

    run(migrate())
    print(_("database is up to date"))


def cmd_settings(_args: argparse.Namespace) -> None:
    print(_settings_markdown(), end="")
