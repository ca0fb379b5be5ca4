"""compagnon init | serve | worker | migrate | user | peer | post | resource | follow | catalogue
| deliveries | media | settings

Every setting of config.Settings is also a flag of every command (`--database-url ...`), so
precedence is the same everywhere: defaults < node.toml < COMPAGNON_* environment < flags.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomli_w

from compagnon import operations
from compagnon.config import Settings, SettingsError, flag_name, load_settings, settings_fields
from compagnon.config import settings_markdown as _settings_markdown
from compagnon.domain.resources import Attachment, LearningResource, Translation
from compagnon.federation.accounts import AccountError
from compagnon.i18n import _

DEFAULT_CONFIG = "node.toml"


def _settings_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("settings (override node.toml and COMPAGNON_*)")
    group.add_argument(
        "--config",
        default=os.environ.get("COMPAGNON_CONFIG", DEFAULT_CONFIG),
        help="path of node.toml (default: ./node.toml, or $COMPAGNON_CONFIG)",
    )
    for name, kind, _default, help_text in settings_fields():
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


# `--clear` names → the LearningResource field each empties (and its empty value).
CLEARABLE: dict[str, tuple[str, Any]] = {
    "description": ("description", ""),
    "url": ("url", ""),
    "eqf": ("eqf_level", None),
    "isced": ("isced_field", None),
    "type": ("resource_type", None),
    "time": ("time_required", None),
    "keywords": ("keywords", ()),
    "translations": ("translations", ()),
    "also-in": ("languages", ()),
    "audiences": ("audiences", ()),
    "occupations": ("occupations", ()),
    "teaches": ("teaches", ()),
    "assesses": ("assesses", ()),
    "requires": ("requires", ()),
    "based-on": ("is_based_on", ()),
    "part-of": ("is_part_of", ()),
    "attachments": ("attachments", ()),
}


def _resource_fields(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    """The fields of a learning resource (README.md, "Publishing a learning resource").
    Publishing needs a title, a licence and a link or a file; an edit changes what it names."""
    fields = parser.add_argument_group("the resource")
    fields.add_argument("--title", required=not editing, help="title in the primary language")
    fields.add_argument("--description", default=None, help="description (primary language)")
    fields.add_argument(
        "--language", default=None, help="primary language, BCP 47 (default: the node's first)"
    )
    fields.add_argument(
        "--translation",
        nargs="+",
        action="append",
        default=None,
        metavar=("LANG TITLE", "DESCRIPTION"),
        help="title and description in another language (repeatable): --translation pt "
        '"Título" "Descrição"',
    )
    fields.add_argument(
        "--also-in",
        action="append",
        default=None,
        metavar="LANG",
        help="a further language of the content itself (repeatable)",
    )
    fields.add_argument("--url", default=None, help="where the resource lives")
    fields.add_argument(
        "--attachment",
        nargs="+",
        action="append",
        default=None,
        metavar=("URL", "MEDIA_TYPE NAME"),
        help="a file by its URL, with its media type and name if you wish (repeatable)",
    )
    fields.add_argument(
        "--license",
        required=not editing,
        help="Creative Commons licence: URI or short name (CC BY-SA 4.0, CC0); the web address "
        "of other terms is accepted and shown as not open",
    )
    fields.add_argument("--eqf", type=int, default=None, help="EQF level 1-8")
    fields.add_argument("--isced", default=None, help="ISCED-F 2013 detailed field, e.g. 0715")
    fields.add_argument(
        "--type",
        dest="resource_type",
        default=None,
        help="HCRT type: assessment, course, worksheet, video ...",
    )
    fields.add_argument(
        "--audience",
        action="append",
        default=None,
        help="LRMI audience role (repeatable): teacher, student, professional ...",
    )
    fields.add_argument(
        "--occupation",
        action="append",
        default=None,
        help="ESCO occupation (URI or UUID) or ISCO-08 group (e.g. 7212) (repeatable)",
    )
    for flag, text in (
        ("--teaches", "taught"),
        ("--assesses", "assessed"),
        ("--requires", "required beforehand"),
    ):
        fields.add_argument(
            flag,
            action="append",
            default=None,
            metavar="COMPETENCE",
            help=f"a competence {text} (repeatable): digcomp:3.3, digcompedu:2.2, or an ESCO "
            "skill (URI, UUID or esco:UUID)",
        )
    fields.add_argument("--time", default=None, help="time required, ISO 8601, e.g. PT20M")
    fields.add_argument("--keyword", action="append", default=None, help="(repeatable)")
    fields.add_argument(
        "--based-on",
        action="append",
        default=None,
        metavar="URL",
        help="the resource this one remixes or translates, here or elsewhere (repeatable)",
    )
    fields.add_argument(
        "--part-of",
        action="append",
        default=None,
        metavar="URL",
        help="a collection, module or journey phase it belongs to (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parent = _settings_parent()
    parser = argparse.ArgumentParser(prog="compagnon", description="A Compagnon node.")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser(
        "init", parents=[parent], help="write node.toml, create the database and an admin account"
    )
    init.add_argument("--admin", default="admin", help="username of the first admin")
    init.add_argument(
        "--admin-password-stdin",
        action="store_true",
        help="read the admin password from standard input",
    )
    serve = sub.add_parser("serve", parents=[parent], help="run the web server (and worker)")
    serve.add_argument(
        "--init-if-missing",
        action="store_true",
        help="run `init` first when node.toml does not exist",
    )
    sub.add_parser("worker", parents=[parent], help="run an extra delivery worker")
    sub.add_parser("migrate", parents=[parent], help="bring the database schema up to date")
    sub.add_parser("settings", parents=[parent], help="print the settings reference (Markdown)")
    user = sub.add_parser("user", help="manage accounts").add_subparsers(
        dest="action", required=True
    )
    create = user.add_parser("create", parents=[parent], help="create a trainer account")
    create.add_argument("name")
    create.add_argument("--password-stdin", action="store_true")
    create.add_argument("--admin", action="store_true", help="give admin rights")
    user.add_parser("list", parents=[parent], help="list accounts")
    for action, text in (
        ("lock", "approve followers by hand"),
        ("unlock", "accept followers automatically"),
    ):
        p = user.add_parser(action, parents=[parent], help=text)
        p.add_argument("name")
    follower = sub.add_parser("follower", help="see and answer follow requests")
    follower_actions = follower.add_subparsers(dest="action", required=True)
    p = follower_actions.add_parser("list", parents=[parent], help="NAME's followers")
    p.add_argument("name")
    for action in ("accept", "reject"):
        p = follower_actions.add_parser(
            action, parents=[parent], help=f"{action} a pending request to NAME"
        )
        p.add_argument("name")
        p.add_argument("actor", metavar="ACTOR_URL")
    peer = sub.add_parser("peer", help="manage peer hosts").add_subparsers(
        dest="action", required=True
    )
    peer.add_parser("list", parents=[parent], help="list known peers")
    for action in ("block", "allow"):
        p = peer.add_parser(action, parents=[parent], help=f"{action} a host")
        p.add_argument("host")
    post = sub.add_parser("post", parents=[parent], help="publish a post as NAME")
    post.add_argument("name")
    post.add_argument("text")
    post.add_argument(
        "--visibility", default="public", choices=["public", "unlisted", "followers", "direct"]
    )
    resource = sub.add_parser(
        "resource", help="publish, edit or delete a learning resource"
    ).add_subparsers(dest="action", required=True)
    publish_parser = resource.add_parser(
        "publish",
        parents=[parent],
        help="publish a learning resource as NAME (`compagnon resource NAME ...` works too)",
    )
    publish_parser.add_argument("name")
    _resource_fields(publish_parser, editing=False)
    publish_parser.add_argument(
        "--visibility", default="public", choices=["public", "unlisted", "followers"]
    )
    edit = resource.add_parser(
        "edit", parents=[parent], help="change fields of a resource NAME published"
    )
    edit.add_argument("name")
    edit.add_argument("uri", metavar="RESOURCE_URL")
    _resource_fields(edit, editing=True)
    edit.add_argument(
        "--clear",
        action="append",
        default=[],
        choices=sorted(CLEARABLE),
        help="empty a field (repeatable); list flags given replace the whole list",
    )
    delete = resource.add_parser("delete", parents=[parent], help="delete a resource of NAME")
    delete.add_argument("name")
    delete.add_argument("uri", metavar="RESOURCE_URL")
    follow = sub.add_parser("follow", parents=[parent], help="NAME follows a remote actor")
    follow.add_argument("name")
    follow.add_argument("handle", metavar="HANDLE_OR_URL")
    catalogue = sub.add_parser(
        "catalogue", help="import the catalogue (outbox) of a followed centre"
    ).add_subparsers(dest="action", required=True)
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
    sub.add_parser("reports", parents=[parent], help="reports sent to this node's moderators")
    deliveries = sub.add_parser(
        "deliveries", parents=[parent], help="where an object was delivered, and what is pending"
    )
    deliveries.add_argument("object_url")
    media = sub.add_parser("media", help="files trainers share (PDF, images, H5P ...)")
    media_actions = media.add_subparsers(dest="action", required=True)
    p = media_actions.add_parser(
        "add", parents=[parent], help="store FILE as uploaded by USER and print its URL"
    )
    p.add_argument("name", metavar="USER")
    p.add_argument("file", metavar="FILE", type=Path)
    media_actions.add_parser("list", parents=[parent], help="the files stored, newest first")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    names = [name for name, *_ in settings_fields()]
    overrides = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    return load_settings(Path(args.config), overrides=overrides)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        return asyncio.run(coro)
    except operations.OperationError as exc:
        raise SystemExit(f"error: {exc}") from None


def read_password() -> str:
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise SystemExit("error: no password on standard input")
    return password


def cmd_init(args: argparse.Namespace) -> None:
    config = Path(args.config)
    if config.exists():
        raise SystemExit(f"error: {config} exists already; edit it, or remove it to start over")
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
    print(f"Wrote {config}; database at {settings.resolved_database_url}")
    print(f"Admin account: {admin.username}")
    if admin.password:
        print(f"Admin password (shown once): {admin.password}")
    print(f"Log in at {settings.base_url}/login")


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
    print("database is up to date")


def cmd_user(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "list":
        for row in run(operations.list_users(settings)):
            print(f"{row['username']}\t{'admin' if row['admin'] else 'trainer'}\t{row['actor']}")
        return
    if args.action in ("lock", "unlock"):
        run(operations.set_manual_approval(settings, args.name, args.action == "lock"))
        print(
            f"{args.name}: followers are "
            f"{'approved by hand' if args.action == 'lock' else 'accepted automatically'}"
        )
        return
    password = read_password() if args.password_stdin else None
    created = run(operations.create_user(settings, args.name, password, is_admin=args.admin))
    print(f"created {created.username}: {created.actor_uri}")
    if created.password:
        print(f"password (shown once): {created.password}")


def cmd_peer(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "list":
        for row in run(operations.peer_list(settings)):
            state = "blocked" if row["blocked"] else ("unreachable" if row["unreachable"] else "ok")
            print(f"{row['host']}\t{state}\t{row['last_success_at'] or '-'}\t{row['note']}")
        return
    run(operations.peer_block(settings, args.host, args.action == "block"))
    print(f"{args.host}: {'blocked' if args.action == 'block' else 'allowed'}")


def cmd_follower(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "list":
        for row in run(operations.followers_of(settings, args.name)):
            print(f"{row['state']}\t{row['handle']}\t{row['actor']}")
        return
    accept = args.action == "accept"
    print(run(operations.answer_follower(settings, args.name, args.actor, accept=accept)))


def cmd_post(args: argparse.Namespace) -> None:
    print(run(operations.post(settings_from(args), args.name, args.text, args.visibility)))


def _translations(values: list[list[str]] | None) -> tuple[Translation, ...] | None:
    if values is None:
        return None
    for value in values:
        if len(value) not in (2, 3):
            raise SystemExit(
                _("error: --translation takes a language, a title and, if you wish, a description")
            )
    return tuple(Translation(v[0], v[1], v[2] if len(v) == 3 else "") for v in values)


def _attachments(values: list[list[str]] | None) -> tuple[Attachment, ...] | None:
    if values is None:
        return None
    for value in values:
        if len(value) > 3:
            raise SystemExit(
                _("error: --attachment takes a URL and, if you wish, a media type and a name")
            )
    return tuple(
        Attachment(v[0], v[1] if len(v) > 1 else None, v[2] if len(v) > 2 else "") for v in values
    )


def _resource_changes(args: argparse.Namespace) -> dict[str, Any]:
    """The fields the command line names, as LearningResource keyword arguments."""
    given: dict[str, Any] = {
        "title": args.title,
        "description": args.description,
        "url": args.url,
        "license": args.license,
        "language": args.language,
        "eqf_level": args.eqf,
        "isced_field": args.isced,
        "resource_type": args.resource_type,
        "time_required": args.time,
        "translations": _translations(args.translation),
        "attachments": _attachments(args.attachment),
    }
    for field, flag in (
        ("keywords", "keyword"),
        ("languages", "also_in"),
        ("audiences", "audience"),
        ("occupations", "occupation"),
        ("teaches", "teaches"),
        ("assesses", "assesses"),
        ("requires", "requires"),
        ("is_based_on", "based_on"),
        ("is_part_of", "part_of"),
    ):
        values = getattr(args, flag)
        given[field] = tuple(values) if values is not None else None
    return {k: v for k, v in given.items() if v is not None}


def cmd_resource(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "delete":
        uri = run(operations.delete_resource(settings, args.name, args.uri))
        print(_("deleted: {uri}", uri=uri))
        return
    changes = _resource_changes(args)
    if args.action == "edit":
        cleared = dict(CLEARABLE[name] for name in args.clear)

        def change(resource: LearningResource) -> LearningResource:
            return replace(resource, **{**cleared, **changes})

        uri = run(operations.edit_resource(settings, args.name, args.uri, change))
        print(_("updated: {uri}", uri=uri))
        return
    resource = LearningResource(
        **{
            "description": "",
            "url": "",
            "language": settings.language_list[0],
            **changes,
        }
    )
    print(run(operations.publish_resource(settings, args.name, resource, args.visibility)))


def cmd_follow(args: argparse.Namespace) -> None:
    print(run(operations.follow(settings_from(args), args.name, args.handle)))


def _sync_line(row: dict[str, Any]) -> str:
    return (
        f"{row['state']}\t{row['imported']} imported\t{row['skipped']} skipped"
        f"\t{row['known']} already held\t{row['actor']}"
        f"\t{row['stopped'] or row['last_error'] or ''}"
    ).rstrip("\t")


def cmd_catalogue(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "status":
        rows = run(operations.catalogue_status(settings))
        if not rows:
            print("no catalogue sync jobs")
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
        operations.catalogue_sync(
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
        print(f"queued: {row['actor']} (the worker imports it; see `compagnon catalogue status`)")
        return
    print(_sync_line(row))


def cmd_deliveries(args: argparse.Namespace) -> None:
    rows = run(operations.delivery_report(settings_from(args), args.object_url))
    if not rows:
        print("no deliveries for that object")
    for row in rows:
        print(
            f"{row['state']}\t{row['attempts']}\t{row['last_status'] or '-'}\t{row['inbox']}"
            f"\t{row['last_error'] or ''}"
        )


def cmd_reports(args: argparse.Namespace) -> None:
    rows = run(operations.open_reports(settings_from(args)))
    if not rows:
        print("no open reports")
    for row in rows:
        print(
            f"#{row['id']}\t{row['at']:%Y-%m-%d %H:%M}\tfrom {row['from']}\n"
            f"\tabout: {' '.join(row['about'])}\n\t{row['comment']}"
        )


def cmd_media(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "add":
        if not args.file.is_file():
            raise SystemExit(_("error: no file at {path}", path=args.file))
        row = run(operations.media_add(settings, args.name, args.file))
        print(row["url"])
        print(
            _(
                "{type}, {size} bytes, {state}",
                type=row["type"],
                size=row["size"],
                state=(
                    _("stored") if row["new"] else _("already stored: the same file, kept once")
                ),
            )
        )
        if row["thumbnail"]:
            print(_("preview: {url}", url=row["thumbnail"]))
        return
    rows = run(operations.media_list(settings))
    if not rows:
        print(_("no files stored"))
    for row in rows:
        print(
            f"{row['url']}\t{row['type']}\t{row['size']}\t{row['uploader'] or '-'}\t{row['name']}"
        )


def cmd_settings(_args: argparse.Namespace) -> None:
    print(_settings_markdown(), end="")


RESOURCE_ACTIONS = ("publish", "edit", "delete", "-h", "--help")

COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "init": cmd_init,
    "serve": cmd_serve,
    "worker": cmd_worker,
    "migrate": cmd_migrate,
    "user": cmd_user,
    "peer": cmd_peer,
    "post": cmd_post,
    "follow": cmd_follow,
    "catalogue": cmd_catalogue,
    "deliveries": cmd_deliveries,
    "resource": cmd_resource,
    "follower": cmd_follower,
    "reports": cmd_reports,
    "settings": cmd_settings,
    "media": cmd_media,
}


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["resource"] and argv[1:2] and argv[1] not in RESOURCE_ACTIONS:
        argv.insert(1, "publish")  # `compagnon resource NAME ...`, as before `edit` came
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("COMPAGNON_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        COMMANDS[args.command](args)
    except SettingsError as exc:
        raise SystemExit(f"error in settings: {exc}") from None
    except AccountError as exc:
        raise SystemExit(f"error: {exc}") from None
