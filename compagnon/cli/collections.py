"""Training modules and learning journeys: `compagnon module ...`, `compagnon journey ...`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from compagnon.cli.common import run, settings_from
from compagnon.domain.collections import JOURNEY, MODULE, PHASES, Module
from compagnon.domain.resources import Translation
from compagnon.i18n import _, ngettext
from compagnon.operations import collections as ops

VISIBILITIES = ["public", "unlisted", "followers"]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    top = sub.add_parser("module", help="training modules: ordered collections of resources")
    top.set_defaults(func=cmd_module)
    module = top.add_subparsers(dest="action", required=True)
    create = module.add_parser("create", parents=[parent], help="publish a module as NAME")
    create.add_argument("name")
    create.add_argument("--title", required=True, help="title in the primary language")
    create.add_argument("--description", default="", help="description (primary language)")
    create.add_argument("--language", default=None, help="BCP 47 (default: the node's first)")
    create.add_argument(
        "--translation",
        nargs="+",
        action="append",
        default=None,
        metavar=("LANG TITLE", "DESCRIPTION"),
        help='title and description in another language (repeatable): --translation pt "Título"',
    )
    create.add_argument("--license", default="", help="Creative Commons licence (URI or name)")
    create.add_argument(
        "--item",
        action="append",
        default=[],
        metavar="URL",
        help="a resource, in order (repeatable)",
    )
    create.add_argument("--visibility", default="public", choices=VISIBILITIES)
    edit = module.add_parser("edit", parents=[parent], help="change a module's title or text")
    edit.add_argument("name")
    edit.add_argument("uri", metavar="MODULE_URL")
    edit.add_argument("--title", default=None)
    edit.add_argument("--description", default=None)
    edit.add_argument("--language", default=None, help="primary language, BCP 47")
    edit.add_argument("--license", default=None, help="Creative Commons licence (URI or name)")
    edit.add_argument(
        "--translation",
        nargs="+",
        action="append",
        default=None,
        metavar=("LANG TITLE", "DESCRIPTION"),
        help="replaces the translations (repeatable; as for create)",
    )
    add = module.add_parser("add", parents=[parent], help="add a resource to a module")
    add.add_argument("name")
    add.add_argument("uri", metavar="MODULE_URL")
    add.add_argument("item", metavar="ITEM_URL")
    add.add_argument("--position", type=int, default=None, help="1 = first (default: the end)")
    remove = module.add_parser("remove", parents=[parent], help="remove a resource from a module")
    remove.add_argument("name")
    remove.add_argument("uri", metavar="MODULE_URL")
    remove.add_argument("item", metavar="ITEM_URL")
    move = module.add_parser("move", parents=[parent], help="move a resource up or down")
    move.add_argument("name")
    move.add_argument("uri", metavar="MODULE_URL")
    move.add_argument("item", metavar="ITEM_URL")
    move.add_argument("direction", choices=["up", "down"])
    delete = module.add_parser("delete", parents=[parent], help="delete a module of NAME")
    delete.add_argument("name")
    delete.add_argument("uri", metavar="MODULE_URL")
    listing = module.add_parser("list", parents=[parent], help="the modules of NAME")
    listing.add_argument("name")
    show = module.add_parser("show", parents=[parent], help="a module held here, with its items")
    show.add_argument("uri", metavar="MODULE_URL")

    top = sub.add_parser("journey", help="learning journeys for a mobility abroad")
    top.set_defaults(func=cmd_journey)
    journey = top.add_subparsers(dest="action", required=True)
    create = journey.add_parser(
        "create",
        parents=[parent],
        help="publish a journey as NAME from a JSON file in the shape of "
        "learning-journey.example.json (README.md, 'Learning journeys')",
    )
    create.add_argument("name")
    create.add_argument("file", type=Path, metavar="FILE.json")
    create.add_argument("--visibility", default="public", choices=VISIBILITIES)
    update = journey.add_parser("update", parents=[parent], help="replace a journey from a file")
    update.add_argument("name")
    update.add_argument("uri", metavar="JOURNEY_URL")
    update.add_argument("file", type=Path, metavar="FILE.json")
    for action, words in (
        ("add", "add a resource or challenge to the end of a phase"),
        ("remove", "remove an item from a phase"),
        ("move", "move an item of a phase up or down"),
    ):
        change = journey.add_parser(action, parents=[parent], help=words)
        change.add_argument("name")
        change.add_argument("uri", metavar="JOURNEY_URL")
        change.add_argument("phase", choices=list(PHASES))
        change.add_argument("item", metavar="ITEM_URL")
        if action == "move":
            change.add_argument("direction", choices=["up", "down"])
    delete = journey.add_parser("delete", parents=[parent], help="delete a journey of NAME")
    delete.add_argument("name")
    delete.add_argument("uri", metavar="JOURNEY_URL")
    listing = journey.add_parser("list", parents=[parent], help="the journeys of NAME")
    listing.add_argument("name")
    show = journey.add_parser("show", parents=[parent], help="a journey held here, by phase")
    show.add_argument("uri", metavar="JOURNEY_URL")


def _translations(values: list[list[str]] | None) -> tuple[Translation, ...]:
    for value in values or []:
        if len(value) not in (2, 3):
            raise SystemExit(
                _("error: --translation takes a language, a title and, if you wish, a description")
            )
    return tuple(Translation(v[0], v[1], v[2] if len(v) == 3 else "") for v in values or [])


def _print_listing(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        print(
            ngettext(
                "{uri}  {title} ({n} item)",
                "{uri}  {title} ({n} items)",
                row["items"],
                uri=row["uri"],
                title=row["title"],
            )
        )


def _print_shown(shown: dict[str, Any]) -> None:
    print(f"{shown['title']}  <{shown['uri']}>")
    print(_("by {author}", author=shown["author"]))
    for phase, entry in shown["phases"].items():
        if phase:
            print(f"[{phase}] {entry['name']}")
        for n, item in enumerate(entry["items"], start=1):
            title = f"  {item['title']}" if item["title"] else ""
            print(f"  {n}. {item['uri']}{title}")
        if entry["outcome"]:
            print("  " + _("outcome: {url}", url=entry["outcome"]))


def _print_items(items: list[str]) -> None:
    for n, item in enumerate(items, start=1):
        print(f"{n}. {item}")


def cmd_module(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "create":
        module = Module(
            title=args.title,
            language=args.language or settings.language_list[0],
            description=args.description,
            items=tuple(args.item),
            translations=_translations(args.translation),
            license=args.license,
        )
        print(run(ops.publish(settings, args.name, module, args.visibility)))
    elif args.action == "edit":
        given = (
            ("title", args.title),
            ("description", args.description),
            ("language", args.language),
            ("license", args.license),
        )
        changes: dict[str, Any] = {k: v for k, v in given if v is not None}
        if args.translation is not None:
            changes["translations"] = _translations(args.translation)
        if not changes:
            raise SystemExit(
                _(
                    "error: say what changes: --title, --description, --language, --license "
                    "or --translation"
                )
            )
        uri = run(ops.edit(settings, args.name, args.uri, MODULE, changes))
        print(_("updated: {uri}", uri=uri))
    elif args.action in ("add", "remove"):
        items = run(
            ops.change_item(
                settings,
                args.name,
                args.uri,
                args.item,
                add=args.action == "add",
                position=getattr(args, "position", None),
            )
        )
        _print_items(items)
    elif args.action == "move":
        by = -1 if args.direction == "up" else 1
        _print_items(run(ops.move_item(settings, args.name, args.uri, args.item, by)))
    elif args.action == "delete":
        print(_("deleted: {uri}", uri=run(ops.delete(settings, args.name, args.uri, MODULE))))
    elif args.action == "list":
        _print_listing(run(ops.list_of(settings, args.name, MODULE)))
    else:
        _print_shown(run(ops.show(settings, args.uri)))


def cmd_journey(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action in ("create", "update"):
        try:
            journey = ops.journey_from_file(args.file, settings.language_list[0])
        except ops.OperationError as exc:
            raise SystemExit(_("error: {problem}", problem=exc)) from None
        if args.action == "create":
            print(run(ops.publish(settings, args.name, journey, args.visibility)))
        else:
            uri = run(ops.replace_journey(settings, args.name, args.uri, journey))
            print(_("updated: {uri}", uri=uri))
    elif args.action in ("add", "remove"):
        _print_items(
            run(
                ops.change_phase_item(
                    settings, args.name, args.uri, args.phase, args.item, add=args.action == "add"
                )
            )
        )
    elif args.action == "move":
        by = -1 if args.direction == "up" else 1
        _print_items(run(ops.move_item(settings, args.name, args.uri, args.item, by, args.phase)))
    elif args.action == "delete":
        print(_("deleted: {uri}", uri=run(ops.delete(settings, args.name, args.uri, JOURNEY))))
    elif args.action == "list":
        _print_listing(run(ops.list_of(settings, args.name, JOURNEY)))
    else:
        _print_shown(run(ops.show(settings, args.uri)))
