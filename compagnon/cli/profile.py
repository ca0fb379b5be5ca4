"""`compagnon user set-profile | set-avatar | set-password | set-language NAME ...`: what a
trainer does on "My settings" (/settings), for the node's operator. The `user` command is in
people.py; the work is in operations/profile.py, shared with the page."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon import operations
from compagnon.cli.common import read_password, run, settings_from
from compagnon.config import Settings
from compagnon.federation.urls import Urls
from compagnon.i18n import LANGUAGES, _
from compagnon.media import library
from compagnon.media.store import FilesystemMediaStore, MediaError
from compagnon.operations import profile as ops
from compagnon.storage.models import Actor, User

# What runs in the transaction, given the account: (session, user, actor).
Work = Callable[[AsyncSession, User, Actor], Awaitable[None]]

ACTIONS = ("set-profile", "set-avatar", "set-password", "set-language")


def add_user_actions(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    p = actions.add_parser(
        "set-profile", parents=[parent], help="NAME's display name and summary (sent to followers)"
    )
    p.add_argument("name")
    p.add_argument("--display-name", default=None, help="the name shown (default: unchanged)")
    p.add_argument("--summary", default=None, help="about NAME, plain text (default: unchanged)")
    p = actions.add_parser(
        "set-avatar", parents=[parent], help="NAME's avatar from an image file (sent to followers)"
    )
    p.add_argument("name")
    p.add_argument("file", type=Path, help="PNG, JPEG, GIF or WebP; scaled down to 400 pixels")
    p = actions.add_parser(
        "set-password", parents=[parent], help="a new password for NAME, read from standard input"
    )
    p.add_argument("name")
    p = actions.add_parser("set-language", parents=[parent], help="NAME's interface language")
    p.add_argument("name")
    p.add_argument("language", choices=[*LANGUAGES, "auto"], help="auto: as the browser asks")


def cmd_user_settings(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    if args.action == "set-password":
        password = read_password()
        run(_in_transaction(settings, args.name, lambda s, u, a: _password(u, password)))
        print(_("{name}: password changed", name=args.name))
    elif args.action == "set-language":
        run(_in_transaction(settings, args.name, lambda s, u, a: _language(u, args.language)))
        shown = args.language if args.language != "auto" else _("as the browser asks")
        print(_("{name}: interface language {language}", name=args.name, language=shown))
    elif args.action == "set-avatar":
        try:
            picture = ops.avatar_webp(args.file.read_bytes())
        except OSError as exc:
            raise SystemExit(
                _("error: cannot read {path}: {reason}", path=args.file, reason=exc.strerror)
            ) from None
        except ops.SettingsError as exc:
            raise SystemExit(_("error: {problem}", problem=exc)) from None
        url = run(_avatar(settings, args.name, picture))
        print(_("{name}: avatar {url}, sent to followers", name=args.name, url=url))
    else:
        run(_in_transaction(settings, args.name, lambda s, u, a: _profile(settings, s, a, args)))
        print(_("{name}: profile saved, sent to followers", name=args.name))


async def _password(user: User, password: str) -> None:
    ops.change_password(user, None, password)


async def _language(user: User, language: str) -> None:
    ops.set_language(user, language)


async def _profile(
    settings: Settings, session: AsyncSession, actor: Actor, args: argparse.Namespace
) -> None:
    current = ops.profile_of(None, actor)
    await ops.update_profile(
        session,
        Urls(settings.base_url),
        actor,
        display_name=current.display_name if args.display_name is None else args.display_name,
        summary=current.summary if args.summary is None else args.summary,
    )


async def _in_transaction(settings: Settings, username: str, work: Work) -> None:
    async with operations.database(settings) as sessions, sessions.begin() as session:
        try:
            user, actor = await ops.account(session, username)
            await work(session, user, actor)
        except ops.SettingsError as exc:
            raise operations.OperationError(str(exc)) from None


async def _avatar(settings: Settings, username: str, picture: bytes) -> str:
    store = FilesystemMediaStore.from_settings(settings)

    async def chunks() -> AsyncIterator[bytes]:
        yield picture

    async with operations.database(settings) as sessions:
        async with sessions() as session:
            _user, actor = await _account(session, username)
        try:
            media, _new = await library.add(
                sessions,
                store,
                chunks(),
                name="avatar.webp",
                uploader_id=actor.id,
                max_bytes=ops.MAX_AVATAR_BYTES,
            )
        except MediaError as exc:
            raise operations.OperationError(str(exc)) from None
        url = settings.base_url + media.url_path
        async with sessions.begin() as session:
            _user, actor = await _account(session, username)
            current = ops.profile_of(_user, actor)
            await ops.update_profile(
                session,
                Urls(settings.base_url),
                actor,
                display_name=current.display_name,
                summary=current.summary,
                avatar_url=url,
            )
    return url


async def _account(session: AsyncSession, username: str) -> tuple[User, Actor]:
    try:
        return await ops.account(session, username)
    except ops.SettingsError as exc:
        raise operations.OperationError(str(exc)) from None
