"""Learning resources: publish, edit, delete."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from compagnon import operations
from compagnon.cli.common import run, settings_from
from compagnon.domain.resource_rules import problems
from compagnon.domain.resources import Attachment, LearningResource, Translation, normalised
from compagnon.domain.vocabulary_pickers import PICKERS, search
from compagnon.i18n import _
from compagnon.operations.resource_files import store_files

ACTIONS = ("publish", "edit", "delete", "codes", "-h", "--help")

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
    "translation-of": ("translation_of", ()),
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
        "--file",
        action="append",
        default=None,
        type=Path,
        metavar="PATH",
        help="a file to store on this node and attach (repeatable): PDF, images, audio, video, "
        "office documents, H5P, zip; checked as an upload is"
        + ("; on an edit, added to the files the resource has" if editing else ""),
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
        help="the resource this one remixes, here or elsewhere (repeatable)",
    )
    fields.add_argument(
        "--translation-of",
        action="append",
        default=None,
        metavar="URL",
        help="the resource this one translates, here or elsewhere (repeatable)",
    )
    fields.add_argument(
        "--licence-checked",
        action="store_true",
        help="you read the terms of a source whose licence the node cannot check, and they "
        "allow this remix or translation",
    )
    fields.add_argument(
        "--part-of",
        action="append",
        default=None,
        metavar="URL",
        help="a collection, module or journey phase it belongs to (repeatable)",
    )


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    top = sub.add_parser("resource", help="publish, edit or delete a learning resource")
    top.set_defaults(func=cmd_resource)
    resource = top.add_subparsers(dest="action", required=True)
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
    codes = resource.add_parser(
        "codes",
        help="find the codes to give --teaches, --occupation, --isced ... by words "
        "(what the web form's pickers search)",
    )
    codes.add_argument("vocabulary", choices=PICKERS)
    codes.add_argument("words", nargs="*")
    codes.add_argument("--lang", default=None, help="language of the labels (default: en)")


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
        ("translation_of", "translation_of"),
        ("is_part_of", "part_of"),
    ):
        values = getattr(args, flag)
        given[field] = tuple(values) if values is not None else None
    return {k: v for k, v in given.items() if v is not None}


def _warn(line: str) -> None:
    print(_("warning: {line}", line=line), file=sys.stderr)


def cmd_resource(args: argparse.Namespace) -> None:
    if args.action == "codes":
        for choice in search(args.vocabulary, " ".join(args.words), args.lang or "en"):
            print(f"{choice.code}\t{choice.label}")
        return
    settings = settings_from(args)
    if args.action == "delete":
        uri = run(operations.delete_resource(settings, args.name, args.uri))
        print(_("deleted: {uri}", uri=uri))
        return
    changes = _resource_changes(args)
    if args.action == "publish":
        resource = LearningResource(
            **{
                "description": "",
                "url": "",
                "language": settings.language_list[0],
                **changes,
            }
        )
        # A description with mistakes stores no file: checked first with the files in place.
        standing_in = tuple(
            Attachment(f"{settings.base_url}/media/{'0' * 64}", name=path.name)
            for path in args.file or ()
        )
        mistakes = problems(
            normalised(replace(resource, attachments=resource.attachments + standing_in))
        )
        if mistakes:
            raise SystemExit(_("error: {problem}", problem="\n".join(mistakes)))
    files: tuple[Attachment, ...] = ()
    if args.file:
        files = tuple(run(store_files(settings, args.name, args.file)))
    if args.action == "edit":
        cleared = dict(CLEARABLE[name] for name in args.clear)

        def change(resource: LearningResource) -> LearningResource:
            edited = replace(resource, **{**cleared, **changes})
            return replace(edited, attachments=edited.attachments + files)

        uri = run(
            operations.edit_resource(
                settings,
                args.name,
                args.uri,
                change,
                licence_checked=args.licence_checked,
                warn=_warn,
            )
        )
        print(_("updated: {uri}", uri=uri))
        return
    resource = replace(resource, attachments=resource.attachments + files)
    published = operations.publish_resource(
        settings,
        args.name,
        resource,
        args.visibility,
        licence_checked=args.licence_checked,
        warn=_warn,
    )
    print(run(published))
