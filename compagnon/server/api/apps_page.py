"""/settings/apps: the apps a trainer authorised (server/api/oauth.py), each with Revoke, and
whether it has push notifications on (server/api/push.py)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from compagnon.i18n import _
from compagnon.server import auth
from compagnon.server.forms import error_page, expired_message, read_form
from compagnon.server.keys import SESSIONS
from compagnon.server.params import whole_number
from compagnon.server.views.social import page_context
from compagnon.storage.queries import oauth, push


async def apps_page(request: web.Request) -> web.StreamResponse:
    user = await auth.current_user(request)
    if user is None:
        raise web.HTTPSeeOther("/login?next=/settings/apps")
    async with request.app[SESSIONS]() as session:
        apps = await oauth.authorised_apps(session, user.id)
        pushing = await push.for_user(session, user.id)  # apps with a Web Push subscription
    context = await page_context(request, user, apps=apps, pushing=pushing)
    return aiohttp_jinja2.render_template("settings_apps.html", request, context)


async def revoke_app(request: web.Request) -> web.StreamResponse:
    user = await auth.current_user(request)
    if user is None:
        raise web.HTTPSeeOther("/login")
    form = await read_form(request)
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        raise error_page(request, 403, expired_message())
    app_id = whole_number(str(form.get("app", "")), 1)
    if app_id is None:
        raise error_page(request, 400, _("Choose the app to revoke."))
    async with request.app[SESSIONS].begin() as session:
        await oauth.revoke_app(session, user.id, app_id)
    raise web.HTTPSeeOther("/settings/apps")
