"""A trainer's social commands: reply, like, share (and undo), unfollow, report, edit and
delete a post (`compagnon post edit|delete`), notifications."""

from __future__ import annotations

import argparse

from compagnon.cli.common import run, settings_from
from compagnon.operations import social

# `compagnon post edit NAME URL TEXT` and `post delete NAME URL`: `post NAME TEXT` came
# first, so main() turns these two into the commands below.
POST_ACTIONS = ("edit", "delete")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = sub.add_parser("post-edit", parents=[parent], help="NAME edits a post (post edit)")
    p.add_argument("name")
    p.add_argument("url", metavar="URL")
    p.add_argument("text")
    p.set_defaults(
        func=lambda a: print(run(social.edit_post(settings_from(a), a.name, a.url, a.text)))
    )
    p = sub.add_parser("post-delete", parents=[parent], help="NAME deletes a post (post delete)")
    p.add_argument("name")
    p.add_argument("url", metavar="URL")
    p.set_defaults(func=lambda a: print(run(social.delete_post(settings_from(a), a.name, a.url))))
    p = sub.add_parser("reply", parents=[parent], help="NAME replies to a post")
    p.add_argument("name")
    p.add_argument("url", metavar="URL")
    p.add_argument("text")
    p.add_argument(
        "--visibility", default="public", choices=["public", "unlisted", "followers", "direct"]
    )
    p.set_defaults(
        func=lambda a: print(
            run(social.reply(settings_from(a), a.name, a.url, a.text, a.visibility))
        )
    )
    for command, kind, undo in (
        ("like", "like", False),
        ("unlike", "like", True),
        ("share", "share", False),
        ("unshare", "share", True),
    ):
        p = sub.add_parser(command, parents=[parent], help=f"NAME: {command} a post")
        p.add_argument("name")
        p.add_argument("url", metavar="URL")
        p.set_defaults(func=cmd_react, kind=kind, undo=undo)
    p = sub.add_parser("unfollow", parents=[parent], help="NAME stops following someone")
    p.add_argument("name")
    p.add_argument("handle", metavar="HANDLE_OR_URL")
    p.set_defaults(func=lambda a: print(run(social.unfollow(settings_from(a), a.name, a.handle))))
    p = sub.add_parser("report", parents=[parent], help="NAME reports a post to the moderators")
    p.add_argument("name")
    p.add_argument("url", metavar="URL")
    p.add_argument("--comment", default="", help="what is wrong with it")
    p.add_argument(
        "--forward", action="store_true", help="also tell the moderators of the post's node"
    )
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("notifications", parents=[parent], help="NAME's notifications")
    p.add_argument("name")
    p.set_defaults(func=cmd_notifications)


def cmd_react(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    print(run(social.react(settings, args.name, args.kind, args.url, undo=args.undo)))


def cmd_report(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    print(run(social.report(settings, args.name, args.url, args.comment, forward=args.forward)))


def cmd_notifications(args: argparse.Namespace) -> None:
    for row in run(social.notifications_of(settings_from(args), args.name)):
        mark = "*" if row["unread"] else " "
        when = row["when"].strftime("%Y-%m-%d %H:%M")
        print(f"{mark} {when}\t{row['kind']}\t{row['actor']}\t{row['object']}")
