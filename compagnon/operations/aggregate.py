"""Aggregation: the centre's catalogue handed on (announces), provenance, consent, relays and
the member list. What the `catalogue` commands and the admin pages share."""

from __future__ import annotations

from compagnon.config import Settings
from compagnon.federation.outbox import centre
from compagnon.federation.urls import Urls
from compagnon.operations import database


async def announce_catalogue(settings: Settings) -> int:
    """The centre announces every public resource of its trainers it has not announced yet
    (those published before this node's centre announced anything). Returns how many."""
    async with database(settings) as sessions, sessions.begin() as session:
        return await centre.announce_missing(session, Urls(settings.base_url))
