"""Finding remote actors: cache first, then a signed fetch; key lookup for signature checks;
WebFinger lookups of `user@host` handles."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urldefrag

from sqlalchemy.exc import IntegrityError

from compagnon.federation import fetch
from compagnon.federation.actor_convert import actor_fields_from_document
from compagnon.federation.actor_store import store_remote_actor
from compagnon.federation.context import FederationContext
from compagnon.federation.signing.integrity import with_assertion_method
from compagnon.federation.signing.proofs import public_key_from_multibase
from compagnon.federation.signing.signatures import PublicKeyInfo, load_public_key
from compagnon.federation.urls import host_of
from compagnon.storage.models import Actor, utcnow
from compagnon.storage.queries import actors as actor_queries

log = logging.getLogger(__name__)
REFRESH_AFTER = timedelta(days=1)
HANDLE_RE = re.compile(r"^@?(?:acct:)?([^@\s/]+)@([^@\s/]+)$")


def _stale(actor: Actor) -> bool:
    return actor.fetched_at is None or utcnow() - actor.fetched_at > REFRESH_AFTER


class ResolveError(Exception):
    """The actor or handle could not be found; the message says why, for a person to read."""


class Resolver:
    def __init__(self, ctx: FederationContext) -> None:
        self.ctx = ctx
        # Key lookups under way: a burst of requests signed by a key we do not hold yet waits
        # for one fetch of it, not one each.
        self._key_flights: dict[tuple[str, bool], asyncio.Future[PublicKeyInfo | None]] = {}

    async def _fetch(self, url: str) -> dict[str, Any]:
        return await self.ctx.fetch_signed(url)

    async def actor(self, uri: str, *, refresh: bool = False) -> Actor | None:
        """The actor at `uri`: from the cache while it is fresh (a day), else fetched again;
        when a refetch fails the cached copy still serves."""
        async with self.ctx.sessions() as session:
            cached = await actor_queries.by_uri(session, uri)
        if cached is not None and (cached.is_local or not (refresh or _stale(cached))):
            return cached
        try:
            doc = await self._fetch(uri)
            fields = actor_fields_from_document(doc)
        except fetch.FetchError as exc:
            if exc.status == 410:
                async with self.ctx.sessions.begin() as session:
                    await actor_queries.mark_gone(session, uri, utcnow())
            log.info("cannot fetch actor %s: %s", uri, exc)
            return cached
        except ValueError as exc:
            log.info("not an actor at %s: %s", uri, exc)
            return cached
        return await self.store(fields)

    async def actors(self, uris: set[str]) -> dict[str, Actor | None]:
        """actor() for many: the fresh cached ones in one SELECT, the others one by one."""
        async with self.ctx.sessions() as session:
            cached = await actor_queries.by_uris(session, uris)
        found: dict[str, Actor | None] = {
            uri: actor for uri, actor in cached.items() if actor.is_local or not _stale(actor)
        }
        for uri in uris - found.keys():
            found[uri] = await self.actor(uri)
        return found

    async def store(self, fields: dict[str, Any]) -> Actor:
        from compagnon.federation.sanitize import sanitize_html

        fields = {**fields, "summary": sanitize_html(fields.get("summary", ""))}
        try:
            async with self.ctx.sessions.begin() as session:
                return await store_remote_actor(session, fields)
        except IntegrityError:
            # Another request (or process) stored this actor meanwhile: refresh that row.
            async with self.ctx.sessions.begin() as session:
                return await store_remote_actor(session, fields)

    async def key_lookup(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        """Signature key by id: from the cache, or by fetching its owner (signed, as the
        instance actor). `refresh` refetches once after a failed verification."""
        # In memory first (key_cache.py: shared with this process's other resolvers); a failed
        # check asks again with refresh, which refetches the owner.
        cached = None if refresh else self.ctx.keys.get(key_id)
        if cached is not None:
            return cached
        flight = self._key_flights.get((key_id, refresh))
        if flight is None:
            flight = asyncio.ensure_future(self._look_up_key(key_id, refresh))
            self._key_flights[(key_id, refresh)] = flight
            flight.add_done_callback(lambda _: self._key_flights.pop((key_id, refresh), None))
        # shield: a request that goes away does not cancel the lookup the others wait for.
        return await asyncio.shield(flight)

    async def _look_up_key(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        info = await self._find_key(key_id, refresh)
        if info is not None:
            self.ctx.keys.put(info)
        else:
            self.ctx.keys.drop(key_id)
        return info

    async def _find_key(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        if not refresh:
            async with self.ctx.sessions() as session:
                actor = await actor_queries.by_key_id(session, key_id)
            if actor is not None and actor.public_key_pem:
                return self._key_info(actor, key_id)
        owner_uri = await self._key_owner(key_id)
        if owner_uri is None:
            return None
        actor = await self.actor(owner_uri, refresh=True)
        if actor is None or actor.public_key_id != key_id or not actor.public_key_pem:
            return None
        return self._key_info(actor, key_id)

    async def proof_key_lookup(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        """An Ed25519 Multikey listed in its actor's assertionMethod (FEP-521a), for object
        integrity proofs; the actor document is the key's home (`{actor}#fragment`)."""
        owner = await self.actor(urldefrag(key_id).url, refresh=refresh)
        if owner is None or (not isinstance(owner.raw, dict) and not owner.is_local):
            return None
        methods = owner.raw.get("assertionMethod") if isinstance(owner.raw, dict) else None
        if owner.is_local:
            methods = with_assertion_method({}, owner).get("assertionMethod")
        for method in methods if isinstance(methods, list) else [methods]:
            if (
                isinstance(method, dict)
                and method.get("id") == key_id
                and isinstance(method.get("publicKeyMultibase"), str)
            ):
                try:
                    key = public_key_from_multibase(method["publicKeyMultibase"])
                except ValueError:
                    return None
                return PublicKeyInfo(key_id=key_id, owner=owner.uri, public_key=key)
        return None

    async def _key_owner(self, key_id: str) -> str | None:
        url = urldefrag(key_id).url
        try:
            doc = await self._fetch(url)
        except fetch.FetchError as exc:
            log.info("cannot fetch key %s: %s", key_id, exc)
            return None
        if isinstance(doc.get("inbox"), str):
            return str(doc["id"])  # the key lives in an actor document
        owner = doc.get("owner")
        if isinstance(owner, str) and host_of(owner) == host_of(key_id):
            return owner
        return None

    @staticmethod
    def _key_info(actor: Actor, key_id: str) -> PublicKeyInfo | None:
        try:
            public_key = load_public_key(actor.public_key_pem)
        except ValueError:
            return None
        return PublicKeyInfo(key_id=key_id, owner=actor.uri, public_key=public_key)

    async def find(self, handle_or_url: str) -> Actor:
        """An actor from `user@host`, `@user@host`, `acct:user@host` or an actor URL."""
        text = handle_or_url.strip()
        if text.startswith(("http://", "https://")):
            uri = text
        else:
            match = HANDLE_RE.match(text)
            if not match:
                raise ResolveError(f"{text!r} is neither user@host nor an http(s) URL")
            uri = await self.webfinger(match.group(1), match.group(2))
        actor = await self.actor(uri)
        if actor is None:
            raise ResolveError(f"no usable actor at {uri}")
        return actor

    async def webfinger(self, user: str, host: str) -> str:
        scheme = self.ctx.settings.scheme
        url = f"{scheme}://{host}/.well-known/webfinger?resource=acct:{user}@{host}"
        try:
            fetched = await fetch.fetch_document(
                self.ctx.http,
                url,
                signer=None,
                allow_private=self.ctx.allow_private,
                accept="application/jrd+json, application/json",
                check_id=False,
            )
        except fetch.FetchError as exc:
            raise ResolveError(f"WebFinger lookup of {user}@{host} failed: {exc}") from None
        jrd = fetched.doc
        for link in jrd.get("links", []) if isinstance(jrd.get("links"), list) else []:
            if (
                isinstance(link, dict)
                and link.get("rel") == "self"
                and isinstance(link.get("href"), str)
                and "json" in str(link.get("type", ""))
            ):
                return str(link["href"])
        raise ResolveError(f"{user}@{host} has no ActivityPub actor")
