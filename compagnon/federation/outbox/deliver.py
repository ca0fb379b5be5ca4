"""Sending one queued delivery: sign as the activity's actor, POST, read the answer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import orjson

from compagnon.federation import fetch
from compagnon.federation.context import FederationContext, SigningKey, make_signer
from compagnon.federation.outbox.retry import Verdict, classify
from compagnon.storage.queries.deliveries import Claimed


@dataclass(frozen=True)
class Attempt:
    delivery: Claimed
    verdict: Verdict
    status: int | None
    retry_after: str | None


async def deliver(ctx: FederationContext, item: Claimed, key: SigningKey) -> Attempt:
    body = orjson.dumps(item.body)
    # RSA signing releases the GIL: sign in a thread so two cores sign in parallel.
    signer = make_signer(key)

    async def threaded_signer_post() -> Attempt:
        headers = await asyncio.to_thread(
            signer, "POST", item.inbox, {"Content-Type": "application/activity+json"}, body
        )
        try:
            response = await fetch.post_signed(
                ctx.http,
                item.inbox,
                body,
                signer=lambda *_: headers,
                allow_private=ctx.allow_private,
            )
        except fetch.FetchError as exc:
            return Attempt(item, classify(exc.status, exc.reason), exc.status, None)
        return Attempt(
            item,
            classify(response.status_code),
            response.status_code,
            response.headers.get("Retry-After"),
        )

    return await threaded_signer_post()
