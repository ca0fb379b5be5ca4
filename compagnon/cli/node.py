"""Running a node: init, serve, worker, migrate, settings."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import ipaddress
import os
import shutil
import sys
from pathlib import Path

import tomli_w

from compagnon import operations
from compagnon.cli.common import read_password, run, settings_from
from compagnon.config import Settings, settings_fields
from compagnon.config import settings_markdown as _settings_markdown
from compagnon.i18n import _
from compagnon.storage.db import create_engine, is_sqlite
from compagnon.storage.migrate import current_revision, head_revision
from compagnon.storage.notify import ChangeListener


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
    if settings.domain == defaults.domain and settings.port != defaults.port:
        # A node tried on another port: its ids must name that port, or nothing resolves.
        host = defaults.domain.split(":")[0]
        settings = dataclasses.replace(settings, domain=f"{host}:{settings.port}")
        args.domain = settings.domain
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
    print(_("Wrote {config}; database at {url}", config=config, url=settings.resolved_database_url))
    print(_("Admin account: {name}", name=admin.username))
    if admin.password:
        print(_("Admin password (shown once): {password}", password=admin.password))
        print(
            _(
                "Lost it? {command} user set-password {name} sets a new one.",
                command=command_name(),
                name=admin.username,
            )
        )
    print(_("Log in at {url}", url=f"{settings.base_url}/login"))
    print(
        _(
            "The domain {domain} is part of every id this node publishes: once peers know it, "
            "it can never change.",
            domain=settings.domain,
        )
    )
    if settings.scheme == "http" and not is_loopback_domain(settings.domain):
        print(_('A node on the internet needs scheme = "https" (see docs/operations.md).'))


def command_name() -> str:
    """How the person who ran us types the command again: `.venv/bin/compagnon` after
    `make run` (it is not on their PATH), `compagnon` when it is."""
    invoked = Path(sys.argv[0])
    if invoked.name != "compagnon":  # python -m compagnon, a test
        return "compagnon"
    found = shutil.which("compagnon")
    if found and Path(found).resolve() == invoked.resolve():
        return "compagnon"
    try:
        return str(invoked.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(invoked)


def is_loopback_domain(domain: str) -> bool:
    host = domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace) -> None:
    if args.init_if_missing and not Path(args.config).exists():
        args.admin, args.admin_password_stdin = "admin", False
        cmd_init(args)
    from aiohttp import web

    from compagnon.server.app import create_app

    settings = settings_from(args)
    banner = f"Compagnon serving {settings.base_url} on http://{settings.host}:{settings.port}"
    if settings.web_processes > 1:
        serve_many(settings, banner)
        return
    # run_app calls `print` once the socket listens: the banner means "ready".
    web.run_app(
        create_app(settings, tune_gc=True),
        host=settings.host,
        port=settings.port,
        print=lambda _message: print(banner, flush=True),
    )


def serve_many(settings: Settings, banner: str) -> None:
    if is_sqlite(settings.resolved_database_url):
        raise SystemExit(
            _(
                "error: web_processes above 1 needs PostgreSQL (SQLite takes one writing "
                "process): set database_url, after `compagnon db copy --to URL`."
            )
        )
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Before anything imports prometheus_client: every process writes its figures here.
        metrics_dir = Path(settings.data_dir) / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir.resolve())
    run(migrate_only(settings))  # once, before the processes start
    from compagnon.server import prefork

    prefork.serve(settings, lambda: print(banner, flush=True))


async def migrate_only(settings: Settings) -> None:
    async with operations.database(settings):
        pass


def cmd_worker(args: argparse.Namespace) -> None:
    from compagnon.server import gc_tuning
    from compagnon.server.worker import Worker

    settings = settings_from(args)

    async def work() -> None:
        async with operations.federation(settings) as ctx:
            stop = asyncio.Event()
            listening = None
            if not is_sqlite(settings.resolved_database_url):
                # keys another process forgot (a rotated key) are forgotten here too
                listener = ChangeListener(settings.resolved_database_url)
                listener.on("actor-keys", ctx.keys.changed)
                listening = asyncio.create_task(listener.run(stop))
            worker = Worker(ctx)
            gc_tuning.settle()
            try:
                await worker.run_forever(stop)
            finally:
                stop.set()
                if listening is not None:
                    await listening

    run(work())


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = settings_from(args)

    async def migrate() -> str | None:
        engine = create_engine(settings.resolved_database_url)
        try:
            before = await current_revision(engine)
        finally:
            await engine.dispose()
        async with operations.database(settings):
            pass
        return before

    before, head = run(migrate()), head_revision()
    if before == head:
        print(_("The database is up to date (schema {revision}).", revision=head))
    else:
        print(
            _(
                "The database was upgraded from schema {before} to {after}.",
                before=before or _("none"),
                after=head,
            )
        )


def cmd_settings(_args: argparse.Namespace) -> None:
    print(_settings_markdown(), end="")
