"""Events: create, edit, delete, attend, list, attendees."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import datetime
from typing import Any

from compagnon.cli.common import run, settings_from
from compagnon.domain.events import CLI_ANSWERS, Event, EventTranslation, parse_local_time
from compagnon.i18n import _
from compagnon.operations import events as ops


def _state_label(state: str) -> str:
    """An answer's stored code as a word (built per call: the current language)."""
    labels = {
        "going": _("going"),
        "maybe": _("maybe"),
        "not_going": _("not going"),
        "refused": _("full"),
    }
    return labels.get(state, state)


def _answered(name: str, state: str) -> str:
    """What `attend` prints: one whole message per answer."""
    messages = {
        "going": _("{name}: going", name=name),
        "maybe": _("{name}: maybe", name=name),
        "not_going": _("{name}: not going", name=name),
        "refused": _("{name}: no place, the event is full", name=name),
    }
    return messages.get(state, f"{name}: {state}")


def _fields(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    fields = parser.add_argument_group("the event")
    fields.add_argument("--title", required=not editing, help="title in the primary language")
    fields.add_argument("--description", default=None, help="description (primary language)")
    fields.add_argument(
        "--start", required=not editing, help="local start time, e.g. 2027-03-01T09:00"
    )
    fields.add_argument("--end", required=not editing, help="local end time")
    fields.add_argument(
        "--timezone", required=not editing, help="IANA time zone, e.g. Europe/Lisbon"
    )
    fields.add_argument("--place", default=None, help="where it takes place (a name)")
    fields.add_argument("--address", default=None, help="the place's street address")
    fields.add_argument("--online", default=None, metavar="URL", help="link of an online event")
    fields.add_argument("--language", default=None, help="primary language, BCP 47")
    fields.add_argument("--capacity", type=int, default=None, help="number of places")
    fields.add_argument(
        "--translation",
        nargs="+",
        action="append",
        default=None,
        metavar=("LANG TITLE", "DESCRIPTION"),
        help="title and description in another language (repeatable)",
    )
    if editing:
        fields.add_argument("--no-capacity", action="store_true", help="remove the limit")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    event = sub.add_parser("event", help="seminars, workshops, multiplier events")
    event.set_defaults(func=cmd_event)
    actions = event.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", parents=[parent], help="publish an event as USER")
    create.add_argument("name", metavar="USER")
    _fields(create, editing=False)
    edit = actions.add_parser("edit", parents=[parent], help="change what the flags name")
    edit.add_argument("name", metavar="USER")
    edit.add_argument("uri", metavar="EVENT_URL")
    _fields(edit, editing=True)
    delete = actions.add_parser("delete", parents=[parent], help="delete an event")
    delete.add_argument("name", metavar="USER")
    delete.add_argument("uri", metavar="EVENT_URL")
    attend = actions.add_parser(
        "attend", parents=[parent], help="answer an event (local or remote) as USER"
    )
    attend.add_argument("name", metavar="USER")
    attend.add_argument("uri", metavar="EVENT_URL")
    attend.add_argument("answer", choices=sorted(CLI_ANSWERS))
    actions.add_parser("list", parents=[parent], help="events known here, upcoming first")
    who = actions.add_parser("attendees", parents=[parent], help="who answered an event")
    who.add_argument("uri", metavar="EVENT_URL")


def _time(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_local_time(value)
    if parsed is None:
        raise SystemExit(
            _(
                "error: {flag} must be a local date and time such as 2027-03-01T09:00, "
                "not {value!r}",
                flag=flag,
                value=value,
            )
        )
    return parsed


def _translations(values: list[list[str]] | None) -> tuple[EventTranslation, ...] | None:
    if values is None:
        return None
    for value in values:
        if len(value) not in (2, 3):
            raise SystemExit(
                _("error: --translation takes a language, a title and, if you wish, a description")
            )
    return tuple(EventTranslation(v[0], v[1], v[2] if len(v) == 3 else "") for v in values)


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    found: dict[str, Any] = {
        "title": args.title,
        "description": args.description,
        "start": _time(args.start, "--start"),
        "end": _time(args.end, "--end"),
        "timezone": args.timezone,
        "place": args.place,
        "address": args.address,
        "online": args.online,
        "language": args.language,
        "capacity": args.capacity,
        "translations": _translations(args.translation),
    }
    changes = {k: v for k, v in found.items() if v is not None}
    if args.place is not None and args.online is None:
        changes["online"] = ""  # a place given replaces the link
    if args.online is not None and args.place is None:
        changes["place"], changes["address"] = "", ""
    if getattr(args, "no_capacity", False):
        changes["capacity"] = None
    return changes


def cmd_event(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "create":
        changes = _changes(args)
        changes.setdefault("language", settings.language_list[0])
        print(run(ops.publish_event(settings, args.name, Event(**changes))))
    elif args.action == "edit":
        changes = _changes(args)
        print(run(ops.edit_event(settings, args.name, args.uri, lambda e: replace(e, **changes))))
    elif args.action == "delete":
        print(run(ops.delete_event(settings, args.name, args.uri)))
    elif args.action == "attend":
        state = run(ops.attend(settings, args.name, args.uri, CLI_ANSWERS[args.answer]))
        print(_answered(args.name, state))
    elif args.action == "list":
        rows = run(ops.list_events(settings))
        if not rows:
            print(_("no events"))
        for row in rows:
            places = "" if row["capacity"] is None else f"/{row['capacity']}"
            start = row["start"].strftime("%Y-%m-%dT%H:%MZ")
            print(
                f"{start}\t{row['timezone']}\t{row['going']}{places}\t{row['organiser']}"
                f"\t{row['title']}\t{row['uri']}"
            )
    else:
        rows = run(ops.attendees(settings, args.uri))
        if not rows:
            print(_("nobody has answered yet"))
        for row in rows:
            print(f"{_state_label(row['state'])}\t{row['handle']}\t{row['actor']}")
