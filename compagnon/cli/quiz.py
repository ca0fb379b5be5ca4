"""Quizzes and challenges: `compagnon quiz create | vote | results | delete`."""

from __future__ import annotations

import argparse
from typing import Any

from compagnon.cli.common import run, settings_from
from compagnon.federation.sanitize import html_to_text
from compagnon.i18n import _, ngettext
from compagnon.operations import quiz as quiz_ops


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    quiz = sub.add_parser("quiz", help="quizzes and challenges (questions trainers vote on)")
    actions = quiz.add_subparsers(dest="action", required=True)

    create = actions.add_parser("create", parents=[parent], help="publish a question of NAME")
    create.add_argument("name")
    create.add_argument("--question", required=True, help="the question")
    create.add_argument(
        "--option", action="append", default=[], help="an option (repeatable, at least 2)"
    )
    create.add_argument(
        "--multiple", action="store_true", help="several options may be chosen (anyOf)"
    )
    create.add_argument(
        "--hide-totals",
        action="store_true",
        help="the counts wait for its end: until then only NAME sees them in the apps",
    )
    create.add_argument("--ends-in", default=None, help="how long it stays open: P1D, PT30M ...")
    create.add_argument("--ends-at", default=None, help="when it closes: 2026-12-24T18:00Z")
    create.add_argument(
        "--language", default=None, help="language, BCP 47 (default: the node's first)"
    )
    create.add_argument(
        "--visibility", default="public", choices=["public", "unlisted", "followers"]
    )
    create.set_defaults(func=cmd_create)

    vote = actions.add_parser("vote", parents=[parent], help="NAME votes on a question")
    vote.add_argument("name")
    vote.add_argument("question", metavar="QUESTION_URL")
    vote.add_argument("options", metavar="OPTION", nargs="+")
    vote.set_defaults(func=cmd_vote)

    results = actions.add_parser("results", parents=[parent], help="a question's counts")
    results.add_argument("question", metavar="QUESTION_URL")
    results.add_argument("--as", dest="name", default=None, help="also show what NAME chose")
    results.set_defaults(func=cmd_results)

    delete = actions.add_parser("delete", parents=[parent], help="delete a question of NAME")
    delete.add_argument("name")
    delete.add_argument("question", metavar="QUESTION_URL")
    delete.set_defaults(func=cmd_delete)


def cmd_create(args: argparse.Namespace) -> None:
    created = run(
        quiz_ops.create(
            settings_from(args),
            args.name,
            question=args.question,
            options=args.option,
            multiple=args.multiple,
            ends_in=args.ends_in,
            ends_at=args.ends_at,
            language=args.language,
            visibility=args.visibility,
            hide_totals=args.hide_totals,
        )
    )
    print(created["uri"])
    print(_("open until {moment} UTC", moment=created["ends_at"].strftime("%Y-%m-%d %H:%M")))


def cmd_vote(args: argparse.Namespace) -> None:
    done = run(quiz_ops.vote(settings_from(args), args.name, args.question, args.options))
    if done["sent_to"]:
        print(
            _(
                "vote sent to {author}: {options}",
                author=done["sent_to"],
                options=", ".join(done["chosen"]),
            )
        )
    else:
        print(_("vote counted: {options}", options=", ".join(done["chosen"])))


def cmd_results(args: argparse.Namespace) -> None:
    found = run(quiz_ops.results(settings_from(args), args.question, username=args.name))
    print(html_to_text(found["text"]).strip())
    for option in found["options"]:
        mark = " *" if option["name"] in found["mine"] else ""
        votes = option["votes"] if found["counts_known"] else "?"
        print(f"  {votes:>5}  {option['name']}{mark}")
    if found["hidden"]:
        print(_("The counts are hidden from others until it ends."))
    if found["voters"] is not None:
        print(ngettext("{n} voter", "{n} voters", found["voters"]))
    if found["ends_at"] is not None:
        moment = found["ends_at"].strftime("%Y-%m-%d %H:%M")
        if found["closed"]:
            print(_("closed at {moment} UTC", moment=moment))
        else:
            print(_("open until {moment} UTC", moment=moment))


def cmd_delete(args: argparse.Namespace) -> None:
    uri = run(quiz_ops.delete(settings_from(args), args.name, args.question))
    print(_("deleted: {uri}", uri=uri))
