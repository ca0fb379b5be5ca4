"""Aggregation: the centre's catalogue handed on (announces), provenance, consent, relays and
the member list. What the `catalogue` commands and the admin pages share."""

from __future__ import annotations

from typing import Any

from compagnon.config import Settings
from compagnon.federation import member_list, relay_client
from compagnon.federation.outbox import centre
from compagnon.federation.urls import Urls
from compagnon.i18n import _
from compagnon.operations import OperationError, database, federation, profile
from compagnon.operations.provenance_text import received_via
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import provenance, relays


async def announce_catalogue(settings: Settings) -> int:
    """The centre announces every public resource of its trainers it has not announced yet
    (those published before this node's centre announced anything). Returns how many."""
    async with database(settings) as sessions, sessions.begin() as session:
        return await centre.announce_missing(session, Urls(settings.base_url))


# --- relays (FEP-ae0c) ----------------------------------------------------------------------


async def relay_subscribe(settings: Settings, url: str, style: str) -> dict[str, str]:
    """Subscribe this node (its instance actor) to a relay: `litepub` takes the relay actor's
    URL, `mastodon` the relay's inbox URL. Queued; the relay's Accept turns it on."""
    async with federation(settings) as ctx:
        try:
            row = await relay_client.subscribe(ctx, url, style)
        except relay_client.RelayError as exc:
            raise OperationError(str(exc)) from None
        return {"relay": row.relay_uri, "style": row.style, "state": row.state}


async def relay_unsubscribe(settings: Settings, url: str) -> None:
    async with database(settings) as sessions, sessions.begin() as session:
        if not await relay_client.unsubscribe(session, Urls(settings.base_url), url):
            raise OperationError(_("this node is not subscribed to {url}", url=url))


async def relay_list(settings: Settings) -> dict[str, list[dict[str, str]]]:
    """The relays this node subscribed to, and (an aggregator) the nodes subscribed to it."""
    async with database(settings) as sessions, sessions() as session:
        subscriptions = [
            {"relay": r.relay_uri, "style": r.style, "state": r.state}
            for r in await relays.all_subscriptions(session)
        ]
        subscribers = [
            {"actor": a.uri, "style": s.style} for s, a in await relays.subscribers(session)
        ]
    return {"subscriptions": subscriptions, "subscribers": subscribers}


# --- provenance -----------------------------------------------------------------------------


async def provenance_of(settings: Settings, uri: str) -> dict[str, str]:
    """Where a held record came from: origin host, route, through whom, first and last seen."""
    async with database(settings) as sessions, sessions() as session:
        found = await provenance.of_object(session, uri)
    if found is None:
        raise OperationError(_("no record {uri} is held here", uri=uri))
    obj, seen = found
    if obj.is_local:
        return {"uri": uri, "sentence": _("Published on this node.")}
    if seen is None:
        return {"uri": uri, "sentence": _("Received before provenance was kept.")}
    return {
        "uri": uri,
        "sentence": received_via(seen),
        "route": seen.route,
        "origin": seen.origin_host,
        "via": seen.via or "",
    }


async def provenance_summary(settings: Settings) -> list[tuple[str, str, int]]:
    """(origin host, route, records) over everything held."""
    async with database(settings) as sessions, sessions() as session:
        return await provenance.summary(session)


# --- the member list ------------------------------------------------------------------------


async def members_refresh(settings: Settings) -> dict[str, Any]:
    """Read the member list (member_list_url) now and apply it to the allowed peers."""
    if not settings.member_list_url:
        raise OperationError(_("set member_list_url first (the aggregator's /members URL)"))
    async with federation(settings) as ctx:
        try:
            applied = await member_list.refresh(ctx, force=True)
        except member_list.MemberListError as exc:
            raise OperationError(
                _("the member list could not be read: {reason}", reason=str(exc))
            ) from None
    assert applied is not None
    return {"hosts": applied.hosts, "allowed": applied.allowed, "removed": applied.removed}


async def members_show(settings: Settings) -> dict[str, Any]:
    """This node's members: as an aggregator, the centres it publishes at /members; as a
    subscriber, the hosts its member list allows and when it was last read."""
    async with database(settings) as sessions, sessions() as session:
        published = await member_list.member_document(
            session, Urls(settings.base_url), settings.node_name
        )
        state = await member_list.status(session)
    return {
        "published": published["items"] if settings.is_aggregator else [],
        "url": settings.member_list_url,
        **state,
    }


# --- consent ----------------------------------------------------------------------------------


async def set_indexable(settings: Settings, username: str, indexable: bool) -> None:
    """A trainer consents (or not) to being indexed: their actor says `indexable` and
    `discoverable` accordingly, and an Update of it goes to their followers (queued). The
    same as the box of "My settings" (operations/profile.py: set_listed)."""
    urls = Urls(settings.base_url)
    async with database(settings) as sessions, sessions.begin() as session:
        actor = await actor_queries.local_by_username(session, username)
        if actor is None or actor.type != "Person":
            raise OperationError(_("no trainer named {name}", name=username))
        await profile.set_listed(session, actor, indexable)
        await profile.send_actor_update(session, urls, actor)
