"""The admin area, /admin: accounts and invites, the centre's profile, peers, the delivery
ledger, reports. Moderators get the reports page (and the dashboard); admins get everything;
a trainer gets 403 on every /admin URL and an anonymous visitor is sent to the sign-in page.
Every action is a POST with the CSRF token and a field `action`; the work itself is in
operations/admin/, shared with the CLI (cli/admin.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp_jinja2
from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from compagnon.federation import accounts
from compagnon.i18n import _, ngettext
from compagnon.media import library
from compagnon.media.store import MediaError
from compagnon.operations import admin as ops
from compagnon.server import auth
from compagnon.server.forms import error_page, expired_message, read_form
from compagnon.server.keys import FEDERATION, MEDIA, SECRET, SESSIONS, SETTINGS, WORKER
from compagnon.server.params import query_int
from compagnon.server.views.pages import _base
from compagnon.storage.models import ROLES, Actor, User
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import statistics_counts

MODERATOR = ("moderator", "admin")
ADMIN = ("admin",)
MAX_LOGO_BYTES = 2 << 20


async def staff_member(request: web.Request, roles: tuple[str, ...]) -> User:
    user = await auth.current_user(request)
    if user is None:
        raise web.HTTPSeeOther("/login")
    if user.role not in roles:
        raise error_page(request, 403, _("This page is for the centre's admins."))
    return user


async def staff_form(request: web.Request, roles: tuple[str, ...]) -> tuple[User, dict[str, str]]:
    """The signed-in staff member and the form of an admin POST, its CSRF token checked."""
    user = await staff_member(request, roles)
    form = await read_form(request)
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        raise error_page(request, 403, expired_message())
    return user, {k: str(v) for k, v in form.items()}


def render_admin(
    request: web.Request, template: str, user: User, status: int = 200, **extra: Any
) -> web.StreamResponse:
    context = _base(request, user=user, roles=ROLES, **extra)
    return aiohttp_jinja2.render_template(template, request, context, status=status)


async def dashboard(request: web.Request, notice: str = "") -> web.StreamResponse:
    user = await staff_member(request, MODERATOR)
    return render_admin(request, "admin/index.html", user, notice=notice)


async def statistics_recount(request: web.Request) -> web.StreamResponse:
    """What `compagnon statistics rebuild` does: the counts recomputed from the search index
    in one transaction (the page keeps showing the old ones until it commits)."""
    await staff_form(request, ADMIN)
    async with request.app[SESSIONS].begin() as session:
        counted = await statistics_counts.rebuild(session)
    notice = ngettext(
        "The statistics were recounted: {n:,} resource is counted.",
        "The statistics were recounted: {n:,} resources are counted.",
        counted,
    )
    return await dashboard(request, notice)


# ---- accounts and invites ------------------------------------------------------------------


async def accounts_page(
    request: web.Request, error: str = "", status: int = 200, typed: dict[str, str] | None = None
) -> web.StreamResponse:
    """The accounts page; `typed` is an invite form refused, shown again as it was filled."""
    user = await staff_member(request, ADMIN)
    async with request.app[SESSIONS]() as session:
        people = await ops.accounts_list(session)
        invites = await ops.list_invites(session)
    return render_admin(
        request,
        "admin/accounts.html",
        user,
        status=status,
        people=people,
        invites=[(i, ops.invite_state(i)) for i in invites],
        new_link=None,
        error=error,
        typed=typed or {},
    )


async def accounts_post(request: web.Request) -> web.StreamResponse:
    user, form = await staff_form(request, ADMIN)
    action, name = form.get("action", ""), form.get("username", "")
    try:
        async with request.app[SESSIONS].begin() as session:
            if action == "role":
                if name == user.username and form.get("role") != "admin":
                    raise ops.AdminError(_("You cannot take away your own admin role."))
                await ops.set_role(session, name, form.get("role", ""))
            elif action in ("suspend", "unsuspend"):
                if name == user.username:
                    raise ops.AdminError(_("You cannot suspend yourself."))
                await ops.set_suspended(session, name, action == "suspend")
            elif action in ("lock", "unlock"):
                await ops.set_locked(session, name, action == "lock")
            else:
                raise ops.AdminError(_("Unknown action."))
    except ops.AdminError as exc:
        return await accounts_page(request, str(exc), 400)
    raise web.HTTPSeeOther("/admin/accounts")


async def invites_post(request: web.Request) -> web.StreamResponse:
    user, form = await staff_form(request, ADMIN)
    action = form.get("action", "")
    try:
        async with request.app[SESSIONS].begin() as session:
            if action == "create":
                length = ops.parse_duration(form.get("expires_in", "P7D") or "P7D")
                made = await ops.create_invite(
                    session, form.get("role", "trainer"), length, user.username
                )
            elif action == "revoke":
                number = form.get("id", "")
                if not number.isascii() or not number.isdigit() or len(number) > 18:
                    raise ops.AdminError(_("Unknown invite."))
                await ops.revoke_invite(session, int(number))
                raise web.HTTPSeeOther("/admin/accounts")
            else:
                raise ops.AdminError(_("Unknown action."))
    except ops.AdminError as exc:
        return await accounts_page(request, str(exc), 400, typed=form)
    async with request.app[SESSIONS]() as session:
        people = await ops.accounts_list(session)
        invites = await ops.list_invites(session)
    link = f"{request.app[SETTINGS].base_url}/invite/{made.token}"
    return render_admin(
        request,
        "admin/accounts.html",
        user,
        people=people,
        invites=[(i, ops.invite_state(i)) for i in invites],
        new_link=link,
        error="",
        typed={},
    )


async def invite_form(
    request: web.Request, error: str = "", username: str = "", status: int = 200
) -> web.StreamResponse:
    token = request.match_info["token"]
    async with request.app[SESSIONS]() as session:
        invite = await ops.open_invite(session, token)
    if invite is None:
        raise error_page(
            request, 410, _("This invite link has expired, was revoked or was used already.")
        )
    context = _base(request, user=None, token=token, error=error, username=username)
    return aiohttp_jinja2.render_template("admin/invite.html", request, context, status=status)


async def invite_accept(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    username = str(form.get("username", "")).strip().lower()[:200]
    password = str(form.get("password", ""))
    if not auth.check_csrf(request, str(form.get("csrf", ""))):
        return await invite_form(request, expired_message(), username, 403)
    if password != str(form.get("password2", "")):
        return await invite_form(request, _("The two passwords differ."), username, 400)
    try:
        async with request.app[SESSIONS].begin() as session:
            user = await ops.accept_invite(
                session,
                request.app[FEDERATION].urls,
                request.match_info["token"],
                username,
                password,
            )
    except (ops.AdminError, accounts.AccountError) as exc:
        return await invite_form(request, str(exc), username, 400)
    redirect = web.HTTPSeeOther("/home")
    settings = request.app[SETTINGS]
    auth.log_in(redirect, request.app[SECRET], user, settings.scheme == "https")
    raise redirect


# ---- the centre's profile ------------------------------------------------------------------


async def _centre(request: web.Request) -> Actor:
    async with request.app[SESSIONS]() as session:
        centre = await actor_queries.local_by_username(session, "centre")
    assert centre is not None
    return centre


async def centre_page(
    request: web.Request, error: str = "", status: int = 200, form: dict[str, str] | None = None
) -> web.StreamResponse:
    user = await staff_member(request, ADMIN)
    settings = request.app[SETTINGS]
    profile = ops.centre_profile(await _centre(request), settings.country, settings.language_list)
    return render_admin(
        request, "admin/centre.html", user, status=status, profile=profile, error=error, form=form
    )


async def centre_post(request: web.Request) -> web.StreamResponse:
    _user, form = await staff_form(request, ADMIN)
    languages = [x.strip().lower() for x in form.get("languages", "").split(",") if x.strip()]
    try:
        async with request.app[SESSIONS].begin() as session:
            await ops.update_centre(
                session,
                request.app[FEDERATION].urls,
                name=form.get("name", ""),
                summary=form.get("summary", ""),
                country=form.get("country", ""),
                languages=languages,
                icon_url=None,
            )
    except ops.AdminError as exc:
        return await centre_page(request, str(exc), 400, form)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther("/admin/centre")


async def multipart_file(
    request: web.Request, field: str, cap: int
) -> tuple[str, AsyncIterator[bytes] | bytes] | None:
    """Read a multipart form of `csrf` then the file `field`. Returns (filename, bytes) once
    the CSRF token was checked; raises a readable error page otherwise."""
    try:
        reader = await request.multipart()
        token = ""
        while True:
            part = await reader.next()
            if part is None:
                return None
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "csrf" and part.filename is None:
                token = (await part.read(decode=False))[:200].decode("utf-8", "replace")
            elif part.name == field:
                if not auth.check_csrf(request, token):
                    raise error_page(request, 403, expired_message())
                data = bytearray()
                while chunk := await part.read_chunk(64 * 1024):
                    data += chunk
                    if len(data) > cap:
                        raise error_page(
                            request,
                            413,
                            ngettext(
                                "The file is too large (at most {n} byte).",
                                "The file is too large (at most {n} bytes).",
                                cap,
                            ),
                        )
                return part.filename or "file", bytes(data)
    except (ValueError, AssertionError, KeyError, HttpProcessingError):
        raise error_page(request, 400, _("Send the file with the form on the page.")) from None


async def centre_logo(request: web.Request) -> web.StreamResponse:
    await staff_member(request, ADMIN)
    found = await multipart_file(request, "logo", MAX_LOGO_BYTES)
    if found is None or not found[1]:
        return await centre_page(request, _("Choose an image file for the logo."), 400)
    name, data = found
    assert isinstance(data, bytes)

    async def chunks() -> AsyncIterator[bytes]:
        yield data

    try:
        media, _new = await library.add(
            request.app[SESSIONS],
            request.app[MEDIA],
            chunks(),
            name=name,
            uploader_id=(await _centre(request)).id,
            max_bytes=MAX_LOGO_BYTES,
        )
    except MediaError as exc:
        return await centre_page(request, str(exc), 400)
    if not media.media_type.startswith("image/"):
        return await centre_page(request, _("The logo must be an image (PNG, JPEG, WebP)."), 400)
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS].begin() as session:
        centre = await actor_queries.local_by_username(session, "centre")
        assert centre is not None
        profile = ops.centre_profile(centre, settings.country, settings.language_list)
        await ops.update_centre(
            session,
            request.app[FEDERATION].urls,
            name=profile.name,
            summary=profile.summary,
            country=profile.country,
            languages=profile.languages,
            # The 480 px preview when there is one: a logo is shown at 96 px, here and on peers.
            icon_url=settings.base_url + (media.thumbnail_url_path or media.url_path),
        )
    request.app[WORKER].wake()
    raise web.HTTPSeeOther("/admin/centre")


# ---- moderation ----------------------------------------------------------------------------


async def reports_page(
    request: web.Request, error: str = "", status: int = 200
) -> web.StreamResponse:
    user = await staff_member(request, MODERATOR)
    show_all = query_int(request, "all", maximum=1) == 1
    async with request.app[SESSIONS]() as session:
        received = await ops.reports_received(session, open_only=not show_all)
        sent = await ops.reports_sent(session)
    return render_admin(
        request,
        "admin/reports.html",
        user,
        status=status,
        received=received,
        sent=sent,
        show_all=show_all,
        error=error,
    )


async def reports_post(request: web.Request) -> web.StreamResponse:
    _user, form = await staff_form(request, MODERATOR)
    number, action = form.get("id", ""), form.get("action", "")
    if not (number.isascii() and number.isdigit() and len(number) < 19):
        return await reports_page(request, _("Unknown report."), 400)
    report_id = int(number)
    urls = request.app[FEDERATION].urls
    try:
        async with request.app[SESSIONS].begin() as session:
            if action == "forward":
                await ops.forward_report(session, urls, report_id)
            elif action == "remove":
                await ops.remove_reported_content(session, urls, report_id)
            elif action in ("silence", "suspend"):
                await ops.moderate_account(session, report_id, action)
            elif action == "resolve":
                await ops.resolve_report(session, report_id)
            else:
                raise ops.AdminError(_("Unknown action."))
    except ops.AdminError as exc:
        return await reports_page(request, str(exc), 400)
    request.app[WORKER].wake()
    raise web.HTTPSeeOther("/admin/reports")
