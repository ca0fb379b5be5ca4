"""The member list: an aggregator publishes the centres it keeps (`GET /members`), and other
nodes keep their allowed peers in sync with it (`member_list_url`).

The document is an AS2 `Collection` (FEDERATION.md, "Member list"): each item a centre's
`Organization` actor by `id`, with `name`, `host` (the host of its node) and, when known,
`addressCountry`. A subscribing node fetches it (signed GET, as every fetch) every
`member_list_refresh_seconds` in the worker, and:

- allows each listed host (and the list's own host) that it did not allow yet, and remembers
  which it allowed (node fact `member_list_hosts`);
- un-allows the hosts it allowed for the list that have left it. Hosts an admin allowed by
  hand stay as they are. In allowlist-only mode (admin peers), a removed centre is then no
  longer federated with.
A failed fetch changes nothing; the error is kept (`compagnon members show`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.safe_urls import http_url
from compagnon.federation import fetch
from compagnon.federation.context import FederationContext
from compagnon.federation.jsonld import OUR_CONTEXT
from compagnon.federation.urls import Urls, host_of
from compagnon.storage.models import NodeFact, utcnow
from compagnon.storage.queries import peers, relays

log = logging.getLogger(__name__)
MAX_MEMBERS = 100_000
MANAGED = "member_list_hosts"  # JSON list of the hosts allowed because the list names them
CHECKED = "member_list_checked_at"
ERROR = "member_list_error"


class MemberListError(Exception):
    """The document is no usable member list; the message says why."""


async def member_document(session: AsyncSession, urls: Urls, node_name: str) -> dict[str, Any]:
    centres = await relays.member_centres(session)
    items = []
    for centre in centres:
        item: dict[str, Any] = {
            "id": centre.uri,
            "type": "Organization",
            "name": centre.name or centre.username,
            "host": centre.domain,
        }
        country = (centre.raw or {}).get("addressCountry")
        if isinstance(country, str) and country:
            item["addressCountry"] = country[:8]
        items.append(item)
    return {
        "@context": OUR_CONTEXT,
        "id": f"{urls.base}/members",
        "type": "Collection",
        "name": node_name,
        "attributedTo": urls.instance_actor,
        "totalItems": len(items),
        "items": items,
    }


def hosts_of(doc: dict[str, Any]) -> set[str]:
    """The node hosts a member list names (pure). An item's host is its id's host; a `host`
    that says otherwise is ignored (the id is what a peer's signature will match)."""
    if doc.get("type") not in ("Collection", "OrderedCollection"):
        raise MemberListError("the member list is not a Collection")
    items = doc.get("items", doc.get("orderedItems"))
    if not isinstance(items, list):
        raise MemberListError("the member list has no items")
    if len(items) > MAX_MEMBERS:
        raise MemberListError(f"the member list names more than {MAX_MEMBERS} members")
    found: set[str] = set()
    for item in items:
        uri = item.get("id") if isinstance(item, dict) else item
        if isinstance(uri, str) and http_url(uri) is not None:
            found.add(host_of(uri))
    return found


async def _fact(session: AsyncSession, key: str) -> str | None:
    fact = await session.get(NodeFact, key)
    return fact.value if fact is not None else None


async def _set_fact(session: AsyncSession, key: str, value: str) -> None:
    fact = await session.get(NodeFact, key)
    if fact is None:
        session.add(NodeFact(key=key, value=value))
    else:
        fact.value = value


@dataclass(frozen=True)
class Applied:
    hosts: int
    allowed: list[str]
    removed: list[str]


async def apply(session: AsyncSession, hosts: set[str]) -> Applied:
    """Allow the listed hosts, un-allow those the list had allowed and no longer names."""
    managed = set(json.loads(await _fact(session, MANAGED) or "[]"))
    allowed_now = await peers.allowed_hosts(session)
    added = []
    for host in sorted(hosts - managed):
        if host in allowed_now:
            continue  # allowed by hand: the admin's, not the list's
        peer = await peers.get_or_create(session, host)
        if not peer.blocked:
            peer.allowed = True
            managed.add(host)
            added.append(host)
    removed = []
    for host in sorted(managed - hosts):
        peer = await peers.get_or_create(session, host)
        if not peer.silenced:  # a silenced host stays allowed (and silenced): the admin's
            peer.allowed = False
        managed.discard(host)
        removed.append(host)
    await _set_fact(session, MANAGED, json.dumps(sorted(managed)))
    return Applied(len(hosts), added, removed)


async def refresh(
    ctx: FederationContext, now: datetime | None = None, *, force: bool = False
) -> Applied | None:
    """Fetch the member list and apply it, when due (or `force`). None when not due or not
    configured; raises MemberListError (also recorded) when it cannot be read."""
    url = ctx.settings.member_list_url
    if not url:
        return None
    moment = now or utcnow()
    async with ctx.sessions() as session:
        checked = await _fact(session, CHECKED)
    every = timedelta(seconds=ctx.settings.member_list_refresh_seconds)
    if not force and checked and datetime.fromisoformat(checked) + every > moment:
        return None
    try:
        doc = await ctx.fetch_signed(url)
        hosts = hosts_of(doc) | {host_of(url)}
    except (fetch.FetchError, MemberListError) as exc:
        async with ctx.sessions.begin() as session:
            await _set_fact(session, CHECKED, moment.isoformat())
            await _set_fact(session, ERROR, str(exc)[:500])
        log.warning("member list %s: %s", url, exc)
        raise MemberListError(str(exc)) from exc
    async with ctx.sessions.begin() as session:
        applied = await apply(session, hosts)
        await _set_fact(session, CHECKED, moment.isoformat())
        await _set_fact(session, ERROR, "")
    return applied


async def status(session: AsyncSession) -> dict[str, Any]:
    return {
        "hosts": json.loads(await _fact(session, MANAGED) or "[]"),
        "checked_at": await _fact(session, CHECKED) or "",
        "error": await _fact(session, ERROR) or "",
    }
