"""Sending one queued delivery: sign as the activity's actor, POST, read the answer.

Double-knocking: the first POST uses the scheme the host is known to accept (draft-cavage when
nothing is known: every server verifies it); a 400 or 401 is answered by one more POST in the
other scheme, and the scheme that worked is reported so the worker remembers it per host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from compagnon.federation import fetch
from compagnon.federation.context import CAVAGE, RFC9421, FederationContext, SigningKey, make_signer
from compagnon.federation.outbox.retry import Verdict, classify
from compagnon.storage.queries.deliveries import Claimed

CONTENT_TYPE = {"Content-Type": "application/activity+json"}
KNOCK_AGAIN = frozenset({400, 401})


@dataclass(frozen=True)
class Attempt:
    delivery: Claimed
    verdict: Verdict
    status: int | None
    retry_after: str | None
    scheme: str | None = None  # the signature scheme of the last POST


async def unsendable(item: Claimed, reason: str) -> Attempt:
    """A row that can never be sent (its sender has no key here): given up, with the reason."""
    return Attempt(item, Verdict("give_up", reason), None, None)


async def deliver(
    ctx: FederationContext, item: Claimed, key: SigningKey, known_scheme: str | None = None
) -> Attempt:
    first = known_scheme if known_scheme in (CAVAGE, RFC9421) else CAVAGE
    attempt = await _post(ctx, item, key, first)
    if attempt.status in KNOCK_AGAIN:
        other = RFC9421 if first == CAVAGE else CAVAGE
        second = await _post(ctx, item, key, other)
        if second.verdict.kind == "delivered" or second.status not in KNOCK_AGAIN:
            return second
    return attempt


async def _post(ctx: FederationContext, item: Claimed, key: SigningKey, scheme: str) -> Attempt:
    body = orjson.dumps(item.body)
    # RSA signing (~0.3 ms) releases the GIL: sign in a thread so both cores sign while the
    # event loop keeps other deliveries moving; the POST then sends the ready headers.
    signer = make_signer(key, scheme)
    signed = await asyncio.to_thread(signer, "POST", item.inbox, CONTENT_TYPE, body)

    def ready(_m: str, _u: str, _h: Mapping[str, str], _b: bytes | None) -> dict[str, str]:
        return signed

    try:
        answer = await ctx.delivery.post_signed(
            item.inbox, body, signer=ready, allow_private=ctx.allow_private
        )
    except fetch.FetchError as exc:
        return Attempt(item, classify(exc.status, exc.reason), exc.status, None, scheme)
    return Attempt(item, classify(answer.status), answer.status, answer.retry_after, scheme)
