"""The admin pages about other nodes: peers with their health and the policy set for each
(allow, silence, block), relays, the blocklist import, and the delivery ledger with its resend.
The same actions as `compagnon peer` and `compagnon deliveries` (operations/admin/peers.py)."""

from __future__ import annotations

import re

from aiohttp import web

from compagnon.federation import member_list, relay_client
from compagnon.i18n import _
from compagnon.operations import admin as ops
from compagnon.server.forms import error_page
from compagnon.server.keys import BLOCKED, FEDERATION, SESSIONS, SETTINGS, WORKER
from compagnon.server.views.admin import (
    ADMIN,
    multipart_file,
    render_admin,
    staff_form,
    staff_member,
)
from compagnon.storage.queries import deliveries as delivery_queries
from compagnon.storage.queries import peers as peer_queries
from compagnon.storage.queries import relays

# ---- federation ----------------------------------------------------------------------------

BACK = re.compile(r"/admin/deliveries(\?[A-Za-z0-9._~%=&+-]{0,3000})?")
MAX_CSV_BYTES = 1 << 20


async def peers_page(
    request: web.Request, error: str = "", notice: str = "", status: int = 200
) -> web.StreamResponse:
    user = await staff_member(request, ADMIN)
    async with request.app[SESSIONS]() as session:
        health = await ops.peer_health(session)
        only = await peer_queries.allowlist_only(session)
        members = await member_list.status(session)
        subscriptions = await relays.all_subscriptions(session)
        subscribers = await relays.subscribers(session)
    return render_admin(
        request,
        "admin/peers.html",
        user,
        status=status,
        peers=health,
        allowlist_only=only,
        member_list_url=request.app[SETTINGS].member_list_url,
        members=members,
        relay_subscriptions=subscriptions,
        relay_subscribers=[(s.style, a.uri) for s, a in subscribers],
        relay_styles=relay_client.STYLES,
        policies=peer_queries.POLICIES,
        error=error,
        notice=notice,
    )


async def peers_post(request: web.Request) -> web.StreamResponse:
    _user, form = await staff_form(request, ADMIN)
    action = form.get("action", "")
    if action in ("relay_subscribe", "relay_unsubscribe"):  # federation/relay_client.py
        return await _relay_action(request, action, form)
    if action == "members":  # fetch the member list now (federation/member_list.py)
        try:
            await member_list.refresh(request.app[FEDERATION], force=True)
        except member_list.MemberListError as exc:
            return await peers_page(
                request,
                _("The member list could not be read: {reason}", reason=str(exc)),
                status=502,
            )
        await request.app[BLOCKED].refresh()
        raise web.HTTPSeeOther("/admin/peers")
    try:
        async with request.app[SESSIONS].begin() as session:
            if action == "policy":
                await ops.set_peer_policy(
                    session, form.get("host", ""), form.get("policy", ""), form.get("note", "")
                )
            elif action == "mode":
                await ops.set_allowlist_only(session, form.get("mode") == "allowlist")
            else:
                raise ops.AdminError(_("Unknown action."))
    except ops.AdminError as exc:
        return await peers_page(request, str(exc), status=400)
    await request.app[BLOCKED].refresh()  # this process applies it at once
    raise web.HTTPSeeOther("/admin/peers")


async def _relay_action(
    request: web.Request, action: str, form: dict[str, str]
) -> web.StreamResponse:
    ctx = request.app[FEDERATION]
    url = form.get("url", "").strip()
    if action == "relay_unsubscribe":
        async with request.app[SESSIONS].begin() as session:
            await relay_client.unsubscribe(session, ctx.urls, url)
        raise web.HTTPSeeOther("/admin/peers")
    if not url:
        return await peers_page(request, _("Relay address: give the relay's address."), status=400)
    try:
        await relay_client.subscribe(ctx, url, form.get("style", ""))
    except relay_client.RelayError as exc:
        return await peers_page(request, _("Relay address: {reason}", reason=str(exc)), status=400)
    raise web.HTTPSeeOther("/admin/peers")


async def peers_import(request: web.Request) -> web.StreamResponse:
    await staff_member(request, ADMIN)
    found = await multipart_file(request, "csv", MAX_CSV_BYTES)
    if found is None:
        return await peers_page(request, _("Choose a CSV file."), status=400)
    data = found[1]
    assert isinstance(data, bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return await peers_page(request, _("The file is not UTF-8 text."), status=400)
    async with request.app[SESSIONS].begin() as session:
        report = await ops.import_blocklist(session, text)
    await request.app[BLOCKED].refresh()
    notice = _(
        "Imported. Domains blocked: {b}; domains silenced: {s}; lines skipped: {k}.",
        b=report.blocked,
        s=report.silenced,
        k=len(report.skipped or []),
    )
    return await peers_page(request, "; ".join((report.skipped or [])[:20]), notice)


# ---- the delivery ledger -------------------------------------------------------------------


async def deliveries_page(request: web.Request) -> web.StreamResponse:
    user = await staff_member(request, ADMIN)
    object_uri = request.query.get("object", "").strip()[:2048]
    host = request.query.get("host", "").strip().lower()[:255]
    if "\x00" in object_uri + host:  # PostgreSQL takes no NUL in a query
        raise error_page(request, 400, _("That address holds a character no URL has."))
    async with request.app[SESSIONS]() as session:
        if object_uri:
            rows = await delivery_queries.for_object(session, object_uri)
        elif host:
            rows = await ops.deliveries_of_host(session, host)
        else:
            rows = []
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    return render_admin(
        request,
        "admin/deliveries.html",
        user,
        rows=rows,
        counts=counts,
        object_uri=object_uri,
        host=host,
    )


async def deliveries_post(request: web.Request) -> web.StreamResponse:
    _user, form = await staff_form(request, ADMIN)
    number = form.get("id", "")
    back = form.get("back", "/admin/deliveries")
    if not BACK.fullmatch(back):  # only back to the ledger, as the page's own link spells it
        back = "/admin/deliveries"
    async with request.app[SESSIONS].begin() as session:
        if number.isascii() and number.isdigit() and len(number) < 19:
            await ops.resend(session, delivery_id=int(number))
        elif form.get("object"):
            await ops.resend(session, object_uri=form["object"][:2048])
        else:
            raise error_page(request, 400, _("Say which delivery to send again."))
    request.app[WORKER].wake()
    raise web.HTTPSeeOther(back)
