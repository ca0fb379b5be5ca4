"""What federation code needs from the outside world, gathered in one object.

The server builds one FederationContext at start-up (and tests build their own); every
collaborator (database sessions, HTTP client, clock-free settings) is passed in, never global.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.config import Settings
from compagnon.federation import fetch
from compagnon.federation.delivery_http import DeliveryClient
from compagnon.federation.fetch import Signer
from compagnon.federation.signing.key_cache import KeyCache
from compagnon.federation.signing.signatures import load_private_key, sign_cavage, sign_rfc9421
from compagnon.federation.urls import Urls


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key_pem: str


CAVAGE, RFC9421 = "draft-cavage", "rfc9421"
SCHEMES = (CAVAGE, RFC9421)


def make_signer(key: SigningKey, scheme: str = CAVAGE) -> Signer:
    """A Signer (see fetch.py) that signs with this key in the given scheme."""
    private_key = load_private_key(key.private_key_pem)
    sign = sign_rfc9421 if scheme == RFC9421 else sign_cavage

    def signer(
        method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> dict[str, str]:
        return sign(method, url, headers, body, key.key_id, private_key)

    return signer


@dataclass
class FederationContext:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient  # every GET (actors, objects, WebFinger, outbox pages)
    instance_key: SigningKey
    delivery: DeliveryClient  # the delivery POSTs (delivery_http.py says why apart)
    keys: KeyCache = field(default_factory=KeyCache)  # shared by the process's resolvers
    urls: Urls = field(init=False)

    def __post_init__(self) -> None:
        self.urls = Urls(self.settings.base_url)

    @property
    def allow_private(self) -> bool:
        return self.settings.allow_private_addresses

    def instance_signer(self) -> Signer:
        return make_signer(self.instance_key)

    async def fetch_signed(self, url: str) -> dict[str, Any]:
        """GET an ActivityPub document as the instance actor (signed), with the node's limits:
        how the node reads actors and objects."""
        return (await self.fetch_signed_document(url)).doc

    async def fetch_signed_document(self, url: str) -> fetch.Fetched:
        """fetch_signed with the size of the body read: how catalogue sync reads outbox
        pages, counting their bytes against its budget."""
        return await fetch.fetch_document(
            self.http,
            url,
            signer=self.instance_signer(),
            allow_private=self.allow_private,
            max_bytes=self.settings.max_body_bytes,
            max_depth=self.settings.max_json_depth,
        )


@asynccontextmanager
async def open_context(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], instance_key: SigningKey
) -> AsyncIterator[FederationContext]:
    """The node's context with its two HTTP clients (same timeouts and User-Agent), closed on
    exit: what the server and the admin commands both run with."""
    agent = f"Compagnon/0.1 (+{settings.base_url})"
    connect, read = settings.fetch_connect_timeout, settings.fetch_read_timeout
    total = settings.fetch_total_timeout
    http = fetch.make_http_client(
        connect_timeout=connect, read_timeout=read, total_timeout=total, user_agent=agent
    )
    delivery = DeliveryClient(
        connect_timeout=connect, read_timeout=read, total_timeout=total, user_agent=agent
    )
    try:
        yield FederationContext(
            settings=settings,
            sessions=sessions,
            http=http,
            instance_key=instance_key,
            delivery=delivery,
        )
    finally:
        await http.aclose()
        await delivery.aclose()
