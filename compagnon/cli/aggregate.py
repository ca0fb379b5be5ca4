"""Relays (FEP-ae0c): subscribe this node to one, leave it, list subscriptions and (on an
aggregator) subscribers."""

from __future__ import annotations

import argparse

from compagnon.cli.common import run, settings_from
from compagnon.i18n import _
from compagnon.operations import aggregate


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    top = sub.add_parser("relay", help="subscribe to relays; list who subscribes to ours")
    top.set_defaults(func=cmd_relay)
    relay = top.add_subparsers(dest="action", required=True)
    subscribe = relay.add_parser(
        "subscribe", parents=[parent], help="subscribe this node to a relay (queued)"
    )
    subscribe.add_argument(
        "url", metavar="URL", help="the relay actor (litepub) or the relay's inbox (mastodon)"
    )
    subscribe.add_argument("--style", choices=("litepub", "mastodon"), default="litepub")
    leave = relay.add_parser("unsubscribe", parents=[parent], help="leave a relay")
    leave.add_argument("url", metavar="URL")
    relay.add_parser("list", parents=[parent], help="relays subscribed to, and subscribers")

    indexing = sub.add_parser(
        "indexing",
        parents=[parent],
        help="whether a trainer consents to being indexed (search, harvesting, statistics)",
    )
    indexing.add_argument("name")
    indexing.add_argument("consent", choices=("on", "off"))
    indexing.set_defaults(func=cmd_indexing)

    members = sub.add_parser(
        "members", help="the member list: published (aggregator) or followed (member_list_url)"
    )
    members.set_defaults(func=cmd_members)
    member_actions = members.add_subparsers(dest="action", required=True)
    member_actions.add_parser(
        "show", parents=[parent], help="centres published, or hosts the list allows here"
    )
    member_actions.add_parser(
        "refresh", parents=[parent], help="read member_list_url now and apply it"
    )


def cmd_relay(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "subscribe":
        row = run(aggregate.relay_subscribe(settings, args.url, args.style))
        print(
            _(
                "subscription to {relay} ({style}) queued: it starts when the relay accepts",
                relay=row["relay"],
                style=row["style"],
            )
        )
    elif args.action == "unsubscribe":
        run(aggregate.relay_unsubscribe(settings, args.url))
        print(_("left {relay}", relay=args.url))
    else:
        found = run(aggregate.relay_list(settings))
        if not found["subscriptions"] and not found["subscribers"]:
            print(_("no relay subscriptions and no subscribers"))
        for row in found["subscriptions"]:
            print(_("subscribed\t{state}\t{style}\t{relay}", **row))
        for row in found["subscribers"]:
            print(_("subscriber\t{style}\t{actor}", **row))


def cmd_members(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "refresh":
        found = run(aggregate.members_refresh(settings))
        print(_("the member list names {n} hosts", n=found["hosts"]))
        for host in found["allowed"]:
            print(_("allowed\t{host}", host=host))
        for host in found["removed"]:
            print(_("no longer allowed\t{host}", host=host))
        return
    found = run(aggregate.members_show(settings))
    for item in found["published"]:
        print(_("member\t{host}\t{id}", host=item["host"], id=item["id"]))
    if found["url"]:
        print(_("following the member list {url}", url=found["url"]))
        for host in found["hosts"]:
            print(_("allowed by the list\t{host}", host=host))
        if found["error"]:
            print(_("last error: {reason}", reason=found["error"]))
    elif not found["published"]:
        print(_("no member list published or followed"))


def cmd_indexing(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    run(aggregate.set_indexable(settings, args.name, args.consent == "on"))
    if args.consent == "on":
        print(_("{name} may be listed, harvested and counted by name", name=args.name))
    else:
        print(_("{name} is no longer listed, harvested or counted by name", name=args.name))
