"""The phone apps a trainer authorised (`compagnon apps NAME`, `compagnon apps-revoke NAME
APP_ID`): the same queries as /settings/apps (storage/queries/oauth.py)."""

from __future__ import annotations

from compagnon.config import Settings
from compagnon.i18n import _
from compagnon.operations import OperationError, database
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import oauth


async def _user_id(session: object, username: str) -> int:
    user = await actor_queries.user_by_username(session, username)  # type: ignore[arg-type]
    if user is None:
        raise OperationError(_("no local account named {name}", name=username))
    return user.id


async def authorised(settings: Settings, username: str) -> list[str]:
    async with database(settings) as sessions, sessions() as session:
        apps = await oauth.authorised_apps(session, await _user_id(session, username))
    return [
        _(
            "{id}\t{name}\t{scopes}\tallowed {when}",
            id=app.id,
            name=app.name,
            scopes=app.scopes,
            when=when.isoformat(timespec="minutes"),
        )
        for app, when in apps
    ]


async def revoke(settings: Settings, username: str, app_id: int) -> str:
    async with database(settings) as sessions, sessions.begin() as session:
        count = await oauth.revoke_app(session, await _user_id(session, username), app_id)
    if not count:
        raise OperationError(_("{name} has not authorised app {id}", name=username, id=app_id))
    return _("revoked: app {id} can no longer use {name}'s account", id=app_id, name=username)
