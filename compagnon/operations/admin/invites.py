"""Invitations: an admin invites a trainer by a single-use link that expires."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation import accounts
from compagnon.federation.urls import Urls
from compagnon.i18n import _
from compagnon.operations.admin.common import AdminError, check_role, token_hash
from compagnon.storage.models import (
    Invite,
    User,
    utcnow,
)

# ---- invites -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvite:
    id: int
    token: str  # shown once: only its hash is stored
    role: str
    expires_at: datetime


async def create_invite(
    session: AsyncSession, role: str, expires_in: timedelta, created_by: str
) -> NewInvite:
    token = secrets.token_urlsafe(24)
    invite = Invite(
        token_sha256=token_hash(token),
        role=check_role(role),
        created_by=created_by,
        created_at=utcnow(),
        expires_at=utcnow() + expires_in,
    )
    session.add(invite)
    await session.flush()
    return NewInvite(invite.id, token, invite.role, invite.expires_at)


def invite_state(invite: Invite, now: datetime | None = None) -> str:
    if invite.used_at is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= (now or utcnow()):
        return "expired"
    return "open"


async def list_invites(session: AsyncSession) -> list[Invite]:
    return list((await session.execute(select(Invite).order_by(Invite.id.desc()))).scalars())


async def revoke_invite(session: AsyncSession, invite_id: int) -> Invite:
    invite = await session.get(Invite, invite_id)
    if invite is None:
        raise AdminError(_("There is no invite number {n}.", n=invite_id))
    if invite.used_at is None and invite.revoked_at is None:
        invite.revoked_at = utcnow()
    return invite


async def open_invite(session: AsyncSession, token: str) -> Invite | None:
    """The invite behind a link, if it can still be used."""
    if not token or len(token) > 200:
        return None
    invite = await session.scalar(select(Invite).where(Invite.token_sha256 == token_hash(token)))
    if invite is None or invite_state(invite) != "open":
        return None
    return invite


async def accept_invite(
    session: AsyncSession, urls: Urls, token: str, username: str, password: str
) -> User:
    """Sign up through an invite: the account is made with the invite's role and the invite
    is spent in the same transaction (one UPDATE that only an unused invite passes, so two
    sign-ups racing on one link cannot both succeed)."""
    invite = await open_invite(session, token)
    if invite is None:
        raise AdminError(_("This invite link has expired, was revoked or was used already."))
    spent = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(used_at=utcnow(), used_by=username[:64])
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise AdminError(_("This invite link has expired, was revoked or was used already."))
    try:
        user = await accounts.create_user(session, urls, username, password)
    except accounts.AccountError as exc:
        raise AdminError(str(exc)) from None
    user.role = invite.role
    return user
