"""Files trainers share: add, list."""

from __future__ import annotations

import argparse
from pathlib import Path

from compagnon.cli.common import run, settings_from
from compagnon.i18n import _, ngettext
from compagnon.operations import media as media_ops


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    media = sub.add_parser("media", help="files trainers share (PDF, images, H5P ...)")
    media.set_defaults(func=cmd_media)
    media_actions = media.add_subparsers(dest="action", required=True)
    p = media_actions.add_parser(
        "add", parents=[parent], help="store FILE as uploaded by USER and print its URL"
    )
    p.add_argument("name", metavar="USER")
    p.add_argument("file", metavar="FILE", type=Path)
    media_actions.add_parser("list", parents=[parent], help="the files stored, newest first")


def cmd_media(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "add":
        if not args.file.is_file():
            raise SystemExit(_("error: no file at {path}", path=args.file))
        row = run(media_ops.media_add(settings, args.name, args.file))
        print(row["url"])
        print(
            ngettext(
                "{type}, {n} byte, stored",
                "{type}, {n} bytes, stored",
                row["size"],
                type=row["type"],
            )
            if row["new"]
            else ngettext(
                "{type}, {n} byte, already stored: the same file, kept once",
                "{type}, {n} bytes, already stored: the same file, kept once",
                row["size"],
                type=row["type"],
            )
        )
        if row["thumbnail"]:
            print(_("preview: {url}", url=row["thumbnail"]))
        return
    rows = run(media_ops.media_list(settings))
    if not rows:
        print(_("no files stored"))
    for row in rows:
        print(
            f"{row['url']}\t{row['type']}\t{row['size']}\t{row['uploader'] or '-'}\t{row['name']}"
        )
