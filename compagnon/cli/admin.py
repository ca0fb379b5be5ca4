"""A centre admin's commands, the same actions as the /admin pages (operations/admin/):
invite create|list|revoke, user suspend|unsuspend|role, peer silence|none|mode|import,
deliveries resend|peer."""

from __future__ import annotations

import argparse
from pathlib import Path

from compagnon.cli.common import run, settings_from
from compagnon.i18n import _, ngettext
from compagnon.operations import admin as ops
from compagnon.storage.models import ROLES
from compagnon.storage.queries import deliveries as delivery_queries

DELIVERY_ACTIONS = ("show", "resend", "peer", "-h", "--help")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    invite = sub.add_parser("invite", help="sign-up links: one use, with an expiry")
    invite.set_defaults(func=cmd_invite)
    actions = invite.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", parents=[parent], help="make an invite link")
    create.add_argument("--role", default="trainer", choices=ROLES)
    create.add_argument(
        "--expires-in", default="P7D", help="ISO 8601 duration: P7D, PT12H (at most P90D)"
    )
    actions.add_parser("list", parents=[parent], help="every invite and its state")
    revoke = actions.add_parser("revoke", parents=[parent], help="revoke an open invite")
    revoke.add_argument("id", type=int)


def add_user_actions(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    """`user suspend|unsuspend NAME` and `user role NAME ROLE` (the `user` command is in
    people.py)."""
    for action, text in (
        ("suspend", "NAME can no longer sign in; their posts are served to nobody"),
        ("unsuspend", "lift a suspension"),
    ):
        p = actions.add_parser(action, parents=[parent], help=text)
        p.add_argument("name")
    role = actions.add_parser("role", parents=[parent], help="give NAME a role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)


def add_peer_actions(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    """`peer silence|listed|none HOST`, `peer mode open|allowlist`, `peer import FILE.csv`."""
    for action, text in (
        ("silence", "accept HOST but keep it out of public lists and search"),
        ("listed", "put HOST on the allowlist (for the allowlist-only mode)"),
        ("none", "forget any policy for HOST"),
    ):
        p = actions.add_parser(action, parents=[parent], help=text)
        p.add_argument("host")
    mode = actions.add_parser("mode", parents=[parent], help="open, or allowlist-only federation")
    mode.add_argument("mode", choices=("open", "allowlist"))
    imported = actions.add_parser(
        "import", parents=[parent], help="apply a blocklist CSV in Mastodon's export format"
    )
    imported.add_argument("file", type=Path)


def add_delivery_actions(
    deliveries: argparse.ArgumentParser, parent: argparse.ArgumentParser
) -> None:
    actions = deliveries.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", parents=[parent], help="where an object was delivered")
    show.add_argument("object_url")
    resend = actions.add_parser(
        "resend", parents=[parent], help="queue given-up deliveries again (an object's, or one)"
    )
    which = resend.add_mutually_exclusive_group(required=True)
    which.add_argument("--object", dest="object_url", metavar="OBJECT_URL")
    which.add_argument("--id", dest="delivery_id", type=int)
    peer = actions.add_parser("peer", parents=[parent], help="the latest deliveries to HOST")
    peer.add_argument("host")


def cmd_invite(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "create":
        try:
            length = ops.parse_duration(args.expires_in)
        except ops.AdminError as exc:
            raise SystemExit(_("error: {problem}", problem=exc)) from None
        made = run(
            ops.in_transaction(settings, lambda s: ops.create_invite(s, args.role, length, "cli"))
        )
        print(
            _(
                "invite #{n} ({role}) until {when:%Y-%m-%d %H:%M} UTC:",
                n=made.id,
                role=made.role,
                when=made.expires_at,
            )
        )
        print(f"{settings.base_url}/invite/{made.token}")
        return
    if args.action == "list":
        for invite in run(ops.in_transaction(settings, ops.list_invites)):
            print(
                f"#{invite.id}\t{invite.role}\t{ops.invite_state(invite)}"
                f"\t{invite.expires_at:%Y-%m-%d %H:%M}\t{invite.used_by or '-'}"
            )
        return
    run(ops.in_transaction(settings, lambda s: ops.revoke_invite(s, args.id)))
    print(_("invite #{n} revoked", n=args.id))


def cmd_user_admin(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "role":
        run(ops.in_transaction(settings, lambda s: ops.set_role(s, args.name, args.role)))
        print(_("{name} is now {role}", name=args.name, role=args.role))
        return
    suspend = args.action == "suspend"
    run(ops.in_transaction(settings, lambda s: ops.set_suspended(s, args.name, suspend)))
    print(
        _("{name} is suspended", name=args.name)
        if suspend
        else _("{name} is no longer suspended", name=args.name)
    )


def cmd_peer_admin(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "mode":
        on = args.mode == "allowlist"
        run(ops.in_transaction(settings, lambda s: ops.set_allowlist_only(s, on)))
        print(_("federation: only the allowlisted peers") if on else _("federation: open"))
        return
    if args.action == "import":
        try:
            text = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SystemExit(_("error: {path}: {problem}", path=args.file, problem=exc)) from None
        report = run(ops.in_transaction(settings, lambda s: ops.import_blocklist(s, text)))
        for line in report.skipped or []:
            print(_("skipped {line}", line=line))
        print(
            _(
                "Imported. Domains blocked: {b}; domains silenced: {s}; lines skipped: {k}.",
                b=report.blocked,
                s=report.silenced,
                k=len(report.skipped or []),
            )
        )
        return
    policy = {"silence": "silence", "listed": "allow", "none": "none"}[args.action]
    run(ops.in_transaction(settings, lambda s: ops.set_peer_policy(s, args.host, policy)))
    print(f"{args.host}: {policy}")


def cmd_deliveries_admin(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "resend":
        n = run(
            ops.in_transaction(
                settings,
                lambda s: ops.resend(s, delivery_id=args.delivery_id, object_uri=args.object_url),
            )
        )
        print(ngettext("{n} delivery queued again", "{n} deliveries queued again", n))
        return
    rows = run(ops.in_transaction(settings, lambda s: ops.deliveries_of_host(s, args.host)))
    if not rows:
        print(_("no deliveries to that host"))
    for row in rows:
        due = (
            f"{row.next_attempt_at:%Y-%m-%d %H:%M}"
            if row.state == delivery_queries.PENDING
            else "-"
        )
        print(
            f"#{row.id}\t{row.state}\t{row.attempts}\t{row.last_status or '-'}\t{due}"
            f"\t{row.object_uri or '-'}\t{row.inbox}"
        )
