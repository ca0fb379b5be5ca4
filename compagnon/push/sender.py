"""The worker's push step: claim due pushes (the deliveries' claim, claims.py), write and
encrypt each payload, POST it to the app's push service with the node's delivery client
(its address check, timeouts, no redirects), and record the outcome.

A 2xx removes the row; 404 or 410 (the app unsubscribed, the phone is gone) removes the
subscription; 5xx, 408, 429 and network errors are tried again with the deliveries'
backoff (retry.py), at most MAX_ATTEMPTS times and never past the push's TTL, when a phone
would not be told any more; any other answer gives the push up.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.context import FederationContext
from compagnon.federation.fetch import FetchError
from compagnon.federation.outbox import retry as retry_policy
from compagnon.push import encryption, keys, tokens, vapid
from compagnon.push.payload import build
from compagnon.storage.models import NodeFact, utcnow
from compagnon.storage.queries import push as push_queries
from compagnon.storage.queries.push import ClaimedPush

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
BATCH = 64  # pushes claimed per pass
MAX_ATTEMPTS = 8
GONE = frozenset({404, 410})


@dataclass
class PushReport:
    sent: int = 0
    retried: int = 0
    gave_up: int = 0
    gone: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.sent or self.retried or self.gave_up or self.gone)


@dataclass(frozen=True)
class Ready:
    item: ClaimedPush
    encrypted: encryption.Encrypted | None
    error: str = ""  # why it could not be written (a stored key no longer readable)


@dataclass(frozen=True)
class Outcome:
    status: int | None
    retry_after: str | None
    error: str


async def send_due(
    ctx: FederationContext, worker: str, now: datetime | None = None, limit: int = BATCH
) -> PushReport:
    report = PushReport()
    now = now or utcnow()
    async with ctx.sessions.begin() as session:
        claimed = await push_queries.claim_due(session, worker, limit, LEASE, now)
        if not claimed:
            return report
        key = await vapid.node_key(session)
        fact = await session.get(NodeFact, "secret")
        secret = bytes.fromhex(fact.value) if fact is not None else b""
        ready = [await _prepare(ctx, session, item, key, secret) for item in claimed]
    slots = asyncio.Semaphore(ctx.settings.delivery_concurrency)

    async def one(job: Ready) -> Outcome:
        if job.encrypted is None:
            return Outcome(None, None, job.error)
        async with slots:
            return await _post(ctx, job.item.subscription.endpoint, job.encrypted)

    outcomes = await asyncio.gather(*(one(job) for job in ready))
    async with ctx.sessions.begin() as session:
        for job, outcome in zip(ready, outcomes, strict=True):
            await _record(session, job, outcome, now, report)
    return report


async def _prepare(
    ctx: FederationContext,
    session: AsyncSession,
    item: ClaimedPush,
    key: vapid.VapidKey,
    secret: bytes,
) -> Ready:
    subscription = item.subscription
    try:
        payload = await build(
            session,
            item.notification,
            access_token=tokens.unseal(subscription.sealed_token, secret),
            base_url=ctx.settings.base_url,
            default_language=ctx.settings.language_list[0],
        )
        encrypted = encryption.encrypt(
            payload,
            p256dh=keys.read_p256dh(subscription.p256dh),
            auth=keys.read_auth(subscription.auth),
            standard=subscription.standard,
            vapid=key,
            endpoint=subscription.endpoint,
            subject=ctx.settings.base_url,
        )
    except Exception as exc:  # a bug or a stored key gone bad: this push, not the pass
        log.exception("push %s could not be written", item.id)
        return Ready(item, None, f"{type(exc).__name__}: {exc}")
    return Ready(item, encrypted)


async def _post(ctx: FederationContext, endpoint: str, encrypted: encryption.Encrypted) -> Outcome:
    def headers(*_args: object) -> dict[str, str]:
        return encrypted.headers

    try:
        answer = await ctx.delivery.post_signed(
            endpoint,
            encrypted.body,
            signer=headers,
            allow_private=ctx.allow_private,
            content_type="application/octet-stream",
        )
    except FetchError as exc:
        return Outcome(None, None, exc.reason)
    return Outcome(answer.status, answer.retry_after, answer.text[:500])


async def _record(
    db: AsyncSession, job: Ready, outcome: Outcome, now: datetime, report: PushReport
) -> None:
    item = job.item
    if job.encrypted is None:
        await push_queries.gave_up(db, item.id, None, outcome.error)
        report.gave_up += 1
        return
    status = outcome.status
    if status is not None and 200 <= status < 300:
        await push_queries.sent(db, item.id)
        report.sent += 1
        return
    if status in GONE:
        log.info("push subscription %s gone (HTTP %s)", item.subscription.id, status)
        await push_queries.gone(db, item.subscription.id)
        report.gone += 1
        return
    verdict = retry_policy.classify(status, outcome.error)
    at = None
    if verdict.kind == "retry" and item.attempts + 1 < MAX_ATTEMPTS:
        at = retry_policy.next_attempt(
            item.attempts + 1,
            now,
            item.created_at,
            retry_after=retry_policy.retry_after_seconds(outcome.retry_after, now),
        )
    reason = f"{verdict.reason}: {outcome.error}" if outcome.error else verdict.reason
    if at is None or at - item.created_at > timedelta(seconds=encryption.TTL):
        await push_queries.gave_up(db, item.id, status, reason)
        report.gave_up += 1
        return
    await push_queries.retry(db, item.id, status, reason, at)
    report.retried += 1
