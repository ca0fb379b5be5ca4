"""Sending one queued delivery: sign as the activity's actor, POST, read the answer."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from compagnon.federation import fetch
from compagnon.federation.context import FederationContext, SigningKey, make_signer
from compagnon.federation.outbox.retry import Verdict, classify
from compagnon.storage.queries.deliveries import Claimed

CONTENT_TYPE = {"Content-Type": "application/activity+json"}


@dataclass(frozen=True)
class Attempt:
    delivery: Claimed
    verdict: Verdict
    status: int | None
    retry_after: str | None


async def unsendable(item: Claimed, reason: str) -> Attempt:
    """A row that can never be sent (its sender has no key here): given up, with the reason."""
    return Attempt(item, Verdict("give_up", reason), None, None)


async def deliver(ctx: FederationContext, item: Claimed, key: SigningKey) -> Attempt:
    body = orjson.dumps(item.body)
    # RSA signing (~0.3 ms) releases the GIL: sign in a thread so both cores sign while the
    # event loop keeps other deliveries moving; the POST then sends the ready headers.
    signed = await asyncio.to_thread(make_signer(key), "POST", item.inbox, CONTENT_TYPE, body)

    def ready(_m: str, _u: str, _h: Mapping[str, str], _b: bytes | None) -> dict[str, str]:
        return signed

    try:
        response = await fetch.post_signed(
            ctx.http, item.inbox, body, signer=ready, allow_private=ctx.allow_private
        )
    except fetch.FetchError as exc:
        return Attempt(item, classify(exc.status, exc.reason), exc.status, None)
    return Attempt(
        item,
        classify(response.status_code),
        response.status_code,
        response.headers.get("Retry-After"),
    )
