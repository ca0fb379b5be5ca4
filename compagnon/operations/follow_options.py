"""A follow's two options: be told of each new post of the account (`notify`), and keep its
shares out of one's home (`shares`). One function sets them for the three ways in: the apps'
follow (api/accounts.py, with `notify` and `reblogs`), the profile page's buttons
(views/people.py) and `compagnon follow-options`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.config import Settings
from compagnon.federation.resolver import Resolver
from compagnon.i18n import _
from compagnon.operations import OperationError, _local_actor, federation
from compagnon.storage.models import Actor
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import follows as follow_queries


async def set_options(
    session: AsyncSession,
    follower: Actor,
    followee_id: int,
    *,
    notify: bool | None = None,
    shares: bool | None = None,
) -> bool:
    """Set the options given (None: left as it is) on `follower`'s follow or follow request
    of `followee_id`; False, and nothing changed, when there is none. `follower` is a local
    actor loaded in `session` (the shares choice is kept in its `raw`)."""
    if await follow_queries.get(session, follower.id, followee_id) is None:
        return False
    if notify is not None:
        await follow_queries.set_notify(session, follower.id, followee_id, notify)
    if shares is not None:
        follow_queries.set_showing_reblogs(follower, followee_id, shares)
        await session.flush()
    return True


async def follow_options(
    settings: Settings,
    username: str,
    handle_or_url: str,
    *,
    notify: bool | None = None,
    shares: bool | None = None,
) -> str:
    """`compagnon follow-options`: set what is given, then say both options as they are."""
    target_name = handle_or_url.strip().removeprefix("@")
    async with federation(settings) as ctx:
        target: Actor | None
        async with ctx.sessions() as session:
            target = await actor_queries.by_uri(session, target_name)
        if target is None:
            try:
                target = await Resolver(ctx).find(target_name)
            except Exception as exc:
                raise OperationError(str(exc)) from None
        async with ctx.sessions.begin() as session:
            me = await _local_actor(session, username)
            if not await set_options(session, me, target.id, notify=notify, shares=shares):
                raise OperationError(
                    _("{name} does not follow {target}", name=username, target=target.uri)
                )
            follow = await follow_queries.get(session, me.id, target.id)
            assert follow is not None
            told = follow.notify
            shown = target.id not in follow_queries.reblogs_hidden(me)
    lines = [
        _("{name} → {target}", name=username, target=target.uri),
        _("new posts: notified") if told else _("new posts: not notified"),
        _("shares: shown at home") if shown else _("shares: hidden from home"),
    ]
    return "\n".join(lines)
