"""`/settings`, "My settings" of a signed-in person: profile (display name, about, avatar,
whether to be listed and indexed, whether to show whom she follows and who follows her),
password, interface language. The work is in
operations/profile.py, shared with the CLI (`compagnon user set-profile | set-password |
set-language`, `compagnon indexing`). A mistake sends the form back
with what was typed and a message beside each field at fault.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from compagnon import i18n
from compagnon.i18n import _
from compagnon.media.store import MediaError
from compagnon.operations import profile as ops
from compagnon.server import auth, language
from compagnon.server.forms import error_page, read_checked_form
from compagnon.server.keys import FEDERATION, MEDIA, SESSIONS, SETTINGS, WORKER
from compagnon.server.views.admin import multipart_file
from compagnon.server.views.pages import _base
from compagnon.storage.models import Actor, User


def _saved(action: str) -> str:
    """What the page says after a form was saved (spelled out for pybabel's extraction)."""
    return {
        "profile": _("Your profile is saved and sent to your followers."),
        "avatar": _("Your avatar is saved and sent to your followers."),
        "password": _("Your password is changed."),
        "language": _("Your language is saved."),
    }.get(action, "")


async def settings_page(
    request: web.Request,
    *,
    problems: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> web.StreamResponse:
    user = await auth.signed_in_user(request)
    async with request.app[SESSIONS]() as session:
        row = await session.get(User, user.id)
        actor = await session.get(Actor, user.actor_id)
    assert row is not None and actor is not None
    saved = request.query.get("saved", "") if status == 200 else ""
    context: dict[str, Any] = _base(
        request,
        user=row,
        profile=ops.profile_of(row, actor),
        problems=problems or {},
        form=form or {},
        notice=_saved(saved),
        languages=[(code, i18n.LANGUAGES[code].name) for code in i18n.available_languages()],
        max_name=ops.MAX_NAME,
        max_summary=ops.MAX_SUMMARY,
    )
    return aiohttp_jinja2.render_template("settings.html", request, context, status=status)


async def settings_post(request: web.Request) -> web.StreamResponse:
    """One form per part of the page, told apart by `action`."""
    user = await auth.signed_in_user(request)
    form = {k: str(v) for k, v in (await read_checked_form(request)).items()}
    action = form.get("action", "")
    kept = {k: v for k, v in form.items() if "password" not in k and k != "csrf"}
    try:
        async with request.app[SESSIONS].begin() as session:
            row = await session.get(User, user.id)
            actor = await session.get(Actor, user.actor_id)
            assert row is not None and actor is not None
            if action == "profile":
                # The box is part of the profile: one Update carries both to the followers.
                # A form without it (a page from before the box, a script) leaves it alone:
                # an unticked box sends nothing, and silence must not withdraw consent.
                if form.get("listed_box") == "1":
                    await ops.set_listed(session, actor, form.get("listed", "") == "on")
                if form.get("network_box") == "1":
                    ops.set_hides_network(actor, form.get("hide_network", "") == "on")
                await ops.update_profile(
                    session,
                    request.app[FEDERATION].urls,
                    actor,
                    display_name=form.get("display_name", ""),
                    summary=form.get("summary", ""),
                )
            elif action == "password":
                ops.change_password(
                    row,
                    form.get("current_password", ""),
                    form.get("new_password", ""),
                    form.get("new_password_again", ""),
                )
            elif action == "language":
                if form.get("language", "") not in ("", *i18n.available_languages()):
                    raise ops.SettingsError(
                        {"language": _("Language: choose one of the languages in the list.")}
                    )
                ops.set_language(row, form.get("language", ""))
            else:
                raise error_page(request, 400, _("Send one of the forms of the page."))
    except ops.SettingsError as exc:
        return await settings_page(request, problems=exc.problems, form=kept, status=400)
    if action == "profile":
        request.app[WORKER].wake()  # the Update goes out now rather than at the next poll
    redirect = web.HTTPSeeOther(f"/settings?saved={action}")
    if action == "language":  # the switcher's cookie follows, so signing out keeps it
        language.remember(request, redirect, row.language)
    raise redirect


async def avatar_post(request: web.Request) -> web.StreamResponse:
    """A new avatar: the picture is checked and scaled down by Pillow (operations/profile.py),
    kept in the media store, and the profile's Update queued."""
    user = await auth.signed_in_user(request)
    found = await multipart_file(request, "avatar", ops.MAX_AVATAR_BYTES)
    if found is None or not found[1]:
        problems = {"avatar": _("Avatar: choose an image file.")}
        return await settings_page(request, problems=problems, status=400)
    _name, data = found
    assert isinstance(data, bytes)
    try:
        media = await ops.store_avatar(
            request.app[SESSIONS], request.app[MEDIA], data, user.actor_id
        )
    except ops.SettingsError as exc:
        return await settings_page(request, problems=exc.problems, status=400)
    except MediaError as exc:
        problems = {"avatar": _("Avatar: {reason}", reason=str(exc))}
        return await settings_page(request, problems=problems, status=400)
    base_url = request.app[SETTINGS].base_url
    async with request.app[SESSIONS].begin() as session:
        actor = await session.get(Actor, user.actor_id)
        assert actor is not None
        profile = ops.profile_of(user, actor)
        await ops.update_profile(
            session,
            request.app[FEDERATION].urls,
            actor,
            display_name=profile.display_name,
            summary=profile.summary,
            avatar_url=base_url + media.url_path,
        )
    request.app[WORKER].wake()
    raise web.HTTPSeeOther("/settings?saved=avatar")
