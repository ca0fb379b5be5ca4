"""Accounts and people: user, follower, peer, follow, follow-options, post."""

from __future__ import annotations

import argparse

from compagnon import operations
from compagnon.cli import admin, profile
from compagnon.cli.common import read_password, run, settings_from
from compagnon.i18n import _
from compagnon.operations import follow_options


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    user = sub.add_parser("user", help="manage accounts")
    user.set_defaults(func=cmd_user)
    user_actions = user.add_subparsers(dest="action", required=True)
    create = user_actions.add_parser("create", parents=[parent], help="create a trainer account")
    create.add_argument("name")
    create.add_argument("--password-stdin", action="store_true")
    create.add_argument("--admin", action="store_true", help="give admin rights")
    user_actions.add_parser("list", parents=[parent], help="list accounts")
    for action, text in (
        ("lock", "approve followers by hand"),
        ("unlock", "accept followers automatically"),
    ):
        p = user_actions.add_parser(action, parents=[parent], help=text)
        p.add_argument("name")
    admin.add_user_actions(user_actions, parent)
    profile.add_user_actions(user_actions, parent)  # set-profile, set-password, ... (/settings)
    follower = sub.add_parser("follower", help="see and answer follow requests")
    follower.set_defaults(func=cmd_follower)
    follower_actions = follower.add_subparsers(dest="action", required=True)
    p = follower_actions.add_parser("list", parents=[parent], help="NAME's followers")
    p.add_argument("name")
    for action in ("accept", "reject"):
        p = follower_actions.add_parser(
            action, parents=[parent], help=f"{action} a pending request to NAME"
        )
        p.add_argument("name")
        p.add_argument("actor", metavar="ACTOR_URL")
    peer = sub.add_parser("peer", help="manage peer hosts")
    peer.set_defaults(func=cmd_peer)
    peer_actions = peer.add_subparsers(dest="action", required=True)
    peer_actions.add_parser("list", parents=[parent], help="list known peers")
    for action in ("block", "allow"):
        p = peer_actions.add_parser(action, parents=[parent], help=f"{action} a host")
        p.add_argument("host")
    admin.add_peer_actions(peer_actions, parent)
    post = sub.add_parser("post", parents=[parent], help="publish a post as NAME")
    post.add_argument("name")
    post.add_argument("text")
    post.add_argument(
        "--visibility", default="public", choices=["public", "unlisted", "followers", "direct"]
    )
    post.set_defaults(func=cmd_post)
    follow = sub.add_parser("follow", parents=[parent], help="NAME follows a remote actor")
    follow.add_argument("name")
    follow.add_argument("handle", metavar="HANDLE_OR_URL")
    follow.set_defaults(func=cmd_follow)
    options = sub.add_parser(
        "follow-options",
        parents=[parent],
        help="NAME's options on an account she follows (shown; changed with the flags)",
    )
    options.add_argument("name")
    options.add_argument("handle", metavar="HANDLE_OR_URL")
    options.add_argument(
        "--notify",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="be told of each new post of the account (or not)",
    )
    options.add_argument(
        "--shares",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the account's shares (boosts) in NAME's home, or keep them out",
    )
    options.set_defaults(func=cmd_follow_options)


def cmd_user(args: argparse.Namespace) -> None:
    if args.action in ("suspend", "unsuspend", "role"):
        admin.cmd_user_admin(args)
        return
    if args.action in profile.ACTIONS:
        profile.cmd_user_settings(args)
        return
    settings = settings_from(args)
    if args.action == "list":
        for row in run(operations.list_users(settings)):
            print(f"{row['username']}\t{row['role']}\t{row['actor']}")
        return
    if args.action in ("lock", "unlock"):
        run(operations.set_manual_approval(settings, args.name, args.action == "lock"))
        if args.action == "lock":
            print(_("{name}: followers are approved by hand", name=args.name))
        else:
            print(_("{name}: followers are accepted automatically", name=args.name))
        return
    password = read_password() if args.password_stdin else None
    created = run(operations.create_user(settings, args.name, password, is_admin=args.admin))
    print(_("created {name}: {actor}", name=created.username, actor=created.actor_uri))
    if created.password:
        print(_("password (shown once): {password}", password=created.password))


def cmd_peer(args: argparse.Namespace) -> None:
    if args.action not in ("list", "block", "allow"):
        admin.cmd_peer_admin(args)
        return
    settings = settings_from(args)
    if args.action == "list":
        for row in run(operations.peer_list(settings)):
            state = "blocked" if row["blocked"] else ("unreachable" if row["unreachable"] else "ok")
            state = "silenced" if row["silenced"] and not row["blocked"] else state
            print(f"{row['host']}\t{state}\t{row['last_success_at'] or '-'}\t{row['note']}")
        return
    run(operations.peer_block(settings, args.host, args.action == "block"))
    if args.action == "block":
        print(_("{host}: blocked", host=args.host))
    else:
        print(_("{host}: allowed", host=args.host))


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


def cmd_follow(args: argparse.Namespace) -> None:
    print(run(operations.follow(settings_from(args), args.name, args.handle)))


def cmd_follow_options(args: argparse.Namespace) -> None:
    print(
        run(
            follow_options.follow_options(
                settings_from(args), args.name, args.handle, notify=args.notify, shares=args.shares
            )
        )
    )
