"""What every admin action shares: the error it raises, durations and roles as typed by an
admin, and one transaction from the node's settings for the CLI."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.config import Settings
from compagnon.federation.urls import Urls
from compagnon.i18n import _, ngettext
from compagnon.storage.models import (
    ROLES,
)

T = TypeVar("T")
MAX_INVITE_DAYS = 90
DURATION = re.compile(r"P(?:(\d{1,3})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,5})M)?)?", re.IGNORECASE)


class AdminError(Exception):
    """What was asked cannot be done; the message (translated) says why."""


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration of days, hours and minutes (P7D, PT12H, P1DT6H), at most 90 days."""
    found = DURATION.fullmatch(text.strip())
    if not found or not any(found.groups()):
        raise AdminError(_("Write the duration as P7D (days), PT12H (hours) or P1DT6H."))
    days, hours, minutes = (int(g or 0) for g in found.groups())
    length = timedelta(days=days, hours=hours, minutes=minutes)
    if length <= timedelta(0) or length > timedelta(days=MAX_INVITE_DAYS):
        raise AdminError(
            ngettext(
                "An invite lasts between one minute and {n} day.",
                "An invite lasts between one minute and {n} days.",
                MAX_INVITE_DAYS,
            )
        )
    return length


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AdminError(_("The role must be one of: {roles}.", roles=", ".join(ROLES)))
    return role


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- the same, for the CLI (cli/admin.py): one transaction each, from the node's settings --


async def in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the node's database; AdminError becomes the
    OperationError the CLI prints."""
    from compagnon.operations import OperationError, database

    async with database(settings) as sessions, sessions.begin() as session:
        try:
            return await work(session)
        except AdminError as exc:
            raise OperationError(str(exc)) from None


def urls_of(settings: Settings) -> Urls:
    return Urls(settings.base_url)
