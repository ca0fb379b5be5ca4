"""Discovery: WebFinger, host-meta and NodeInfo 2.1."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiohttp import web

from compagnon import __version__
from compagnon.federation.urls import INSTANCE_USERNAME
from compagnon.server.keys import FEDERATION, SESSIONS, SETTINGS
from compagnon.server.negotiation import json_response, problem
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import objects as object_queries

ACCT_RE = re.compile(r"^acct:([^@\s]+)@([^@\s]+)$")


async def webfinger(request: web.Request) -> web.Response:
    ctx = request.app[FEDERATION]
    resource = request.query.get("resource", "").strip()
    username = _username_for(resource, ctx.urls.base, ctx.urls.domain)
    if username is None:
        return problem(400, "resource must be acct:user@host or an actor URL of this node")
    if username == "":
        return problem(404, "no such account on this node")
    async with request.app[SESSIONS]() as session:
        actor = await actor_queries.local_by_username(session, username)
    if actor is None:
        return problem(404, f"no account {username!r} on this node")
    return json_response(
        {
            "subject": f"acct:{actor.username}@{ctx.urls.domain}",
            "aliases": [actor.uri, actor.url],
            "links": [
                {"rel": "self", "type": "application/activity+json", "href": actor.uri},
                {
                    "rel": "http://webfinger.net/rel/profile-page",
                    "type": "text/html",
                    "href": actor.url,
                },
            ],
        },
        content_type="application/jrd+json",
    )


def _username_for(resource: str, base: str, domain: str) -> str | None:
    """The local username named by `resource`; "" when well-formed but not ours; None when
    malformed."""
    match = ACCT_RE.match(resource)
    if match:
        user, host = match.groups()
        return user.lower() if host.lower() == domain.lower() else ""
    try:
        parts = urlsplit(resource)
    except ValueError:  # e.g. "http://[::1": an unclosed IPv6 bracket
        return None
    if parts.scheme in {"http", "https"} and parts.netloc:
        if resource == f"{base}/actor":
            return INSTANCE_USERNAME
        prefix = f"{base}/users/"
        if resource.startswith(prefix) and "/" not in resource[len(prefix) :]:
            return resource[len(prefix) :]
        prefix = f"{base}/@"
        return resource[len(prefix) :] if resource.startswith(prefix) else ""
    return None


async def host_meta(request: web.Request) -> web.Response:
    base = request.app[FEDERATION].urls.base
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return web.Response(text=xml, content_type="application/xrd+xml")


async def nodeinfo_links(request: web.Request) -> web.Response:
    base = request.app[FEDERATION].urls.base
    return json_response(
        {
            "links": [
                {
                    "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                    "href": f"{base}/nodeinfo/2.1",
                },
            ]
        }
    )


async def nodeinfo(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        users = await actor_queries.count_local(session, "Person")
        posts = await object_queries.count_local(session)
    doc = {
        "version": "2.1",
        "software": {"name": "compagnon", "version": __version__, "homepage": settings.base_url},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {
            "users": {"total": users, "activeHalfyear": users, "activeMonth": users},
            "localPosts": posts,
        },
        "metadata": {
            "nodeName": settings.node_name,
            "nodeKind": settings.node_kind,
            "country": settings.country,
            "languages": settings.language_list,
        },
    }
    return json_response(
        doc,
        content_type='application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"',
    )
