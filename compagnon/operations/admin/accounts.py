"""Accounts: roles, suspension and locking, and the list the admin pages show."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.i18n import _
from compagnon.operations.admin.common import AdminError, check_role
from compagnon.storage.models import (
    Actor,
    User,
    utcnow,
)
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import statistics_counts

# ---- accounts ------------------------------------------------------------------------------


async def _user(session: AsyncSession, username: str) -> tuple[User, Actor]:
    user = await actor_queries.user_by_username(session, username.strip().lower())
    if user is None:
        raise AdminError(_("There is no account named {name}.", name=username))
    actor = await session.get(Actor, user.actor_id)
    assert actor is not None
    return user, actor


async def set_role(session: AsyncSession, username: str, role: str) -> User:
    user, _actor = await _user(session, username)
    user.role = check_role(role)
    return user


async def set_suspended(session: AsyncSession, username: str, suspended: bool) -> Actor:
    """A suspended account cannot sign in; its profile says so and its posts are served to
    nobody (pages and ActivityPub documents answer 404) until it is unsuspended."""
    _user_row, actor = await _user(session, username)
    actor.suspended_at = utcnow() if suspended else None
    await statistics_counts.recount_authors(session, [actor.id])
    return actor


async def set_locked(session: AsyncSession, username: str, locked: bool) -> Actor:
    _user_row, actor = await _user(session, username)
    actor.manually_approves_followers = locked
    return actor


async def accounts_list(session: AsyncSession) -> list[tuple[User, Actor]]:
    return await actor_queries.users_with_actors(session)
