"""Catalogue sync: page through a followed actor's outbox and import what we do not hold.

The aggregator must hold every centre's whole catalogue, including what was published before
it followed. When a Follow of ours is accepted (or `compagnon catalogue sync` asks), a job is
queued (storage/queries/sync_jobs.py); the worker calls `sync_pass`, which claims due jobs and
imports at most `catalogue_sync_pages_per_pass` pages among them (and starts none after
`catalogue_sync_seconds_per_pass`), so a big catalogue never starves deliveries and inbound
activities. A walk is bounded per actor too (sync_limits.py): an outbox that never ends is
stopped with the reason kept.

Fetching: the outbox (an OrderedCollection) then `first` and each page's `next`, embedded or
by URL, with the signed GET of fetch.py (instance actor; timeouts, size cap, SSRF guard, id
check); catalogue_pages.py reads each page and picks what may be imported (same-origin
trust). Each page is imported in one transaction together with the job's progress (next
page, counts), so a restart resumes from the last page and loses nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from compagnon.federation import fetch
from compagnon.federation.catalogue_pages import (
    PageError,
    Picked,
    on_actor_host,
    pick_objects,
    read_page,
)
from compagnon.federation.context import FederationContext
from compagnon.federation.fetch import Fetched
from compagnon.federation.ingest import Incoming, store_remote_objects
from compagnon.federation.outbox.retry import classify, next_attempt
from compagnon.federation.sync_limits import Step, weigh
from compagnon.storage.models import Actor, utcnow
from compagnon.storage.queries import sync_jobs
from compagnon.storage.queries.sync_jobs import ClaimedJob, PageDone, SyncLimits

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
# Peers synced side by side in one pass (their fetches overlap). Few, so that the other
# workers find due jobs too: a worker holds what it claimed until the end of its pass.
MAX_JOBS_PER_PASS = 2


class _Lost(Exception):
    """Another worker took the job meanwhile: this page's import is rolled back."""


@dataclass
class SyncReport:
    pages: int = 0
    imported: int = 0
    known: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    finished: int = 0
    stopped: int = 0  # jobs that reached a limit (sync_limits.py)

    def add(self, other: SyncReport) -> None:
        for name in (
            "pages",
            "imported",
            "known",
            "skipped",
            "retried",
            "failed",
            "finished",
            "stopped",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


# --- running jobs -------------------------------------------------------------------------

Progress = Callable[[ClaimedJob, SyncReport], None]


class JobRunner:
    """Runs claimed jobs page by page for one worker (named: claims carry the name)."""

    def __init__(self, ctx: FederationContext, worker: str) -> None:
        self.ctx = ctx
        self.worker = worker
        self.limits = SyncLimits.of(ctx.settings)

    async def _fetch(self, url: str) -> Fetched:
        return await self.ctx.fetch_signed_document(url)

    async def run(
        self,
        job: ClaimedJob,
        pages: int,
        now: datetime,
        progress: Progress | None = None,
        until: float | None = None,
    ) -> SyncReport:
        """Up to `pages` pages of one claimed job, none started after `until` (monotonic
        clock) but the first; then the job is released (or finished, stopped, or rescheduled
        after a failure). The next page is fetched while this one is stored: the peer's time
        to serve a page and ours to store one overlap."""
        report = SyncReport()
        ahead: asyncio.Task[Fetched] | None = None
        try:
            for left in range(pages, 0, -1):
                if left < pages and until is not None and time.monotonic() > until:
                    break  # this pass's time is up: the job is released below
                try:
                    more = left > 1 and (until is None or time.monotonic() <= until)
                    job, ahead = await self._one_page(job, report, ahead, prefetch=more)
                except _Lost:
                    log.info("sync job %s was taken by another worker", job.id)
                    return report
                except (fetch.FetchError, PageError) as exc:
                    await self._failed(job, exc, now, report)
                    return report
                except Exception as exc:  # a bug or the database: retried later, never stuck
                    log.exception("sync job %s failed on a page", job.id)
                    await self._failed(job, exc, now, report)
                    return report
                if progress is not None:
                    progress(job, report)
                if report.stopped:
                    return report
                if job.next_url is None:  # finished
                    report.finished += 1
                    return report
        finally:
            if ahead is not None and not ahead.done():
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)
        delay = timedelta(seconds=max(0.0, self.ctx.settings.catalogue_sync_page_delay))
        async with self.ctx.sessions.begin() as session:
            await sync_jobs.release(session, job.id, self.worker, utcnow() + delay)
        return report

    async def _one_page(
        self,
        job: ClaimedJob,
        report: SyncReport,
        ahead: asyncio.Task[Fetched] | None,
        *,
        prefetch: bool,
    ) -> tuple[ClaimedJob, asyncio.Task[Fetched] | None]:
        """Import the job's next page (fetched ahead by the previous call when `ahead` is
        given); returns the job moved on, and the fetch of the page after, started when
        `prefetch` allows one more page."""
        url = job.next_url or job.outbox_url
        if job.next_url is None:
            on_actor_host(job.outbox_url, job.actor_uri)
        fetched = await (ahead if ahead is not None else self._fetch(url))
        page, first = read_page(fetched.doc, url, job.actor_uri)
        next_url = first or page.next_url
        if next_url == url:
            next_url = None  # a page pointing at itself: nothing more to read
        # Picked once: the limits ask whether the page holds anything importable, and the
        # import takes the same objects (a refused page imports nothing).
        picked = pick_objects(page.items, job.actor_uri, job.followers_url)
        step = weigh(
            self.limits,
            job.walked,
            url,
            page.items,
            next_url,
            fetched.size,
            lambda _items: bool(picked.objects),
        )
        if not step.items:
            picked = Picked()
        ahead_url = step.next_url if step.stopped_by is None else None
        following = asyncio.create_task(self._fetch(ahead_url)) if prefetch and ahead_url else None
        try:
            return await self._store_page(job, report, step, picked), following
        except BaseException:
            if following is not None:
                following.cancel()
                await asyncio.gather(following, return_exceptions=True)
            raise

    async def _store_page(
        self, job: ClaimedJob, report: SyncReport, step: Step, picked: Picked
    ) -> ClaimedJob:
        """The page's objects (`picked` of `step.items`: as far as the limits allow) and the
        job's progress, in one transaction."""
        next_url = step.next_url
        authors = await self._authors(picked, job.actor_uri)
        async with self.ctx.sessions.begin() as session:
            actor = await session.get(Actor, job.actor_id)
            if actor is None:
                raise PageError("the actor is no longer known")
            incoming: list[Incoming] = []
            for obj, owner in zip(picked.objects, picked.owners, strict=True):
                author = actor if owner == actor.uri else None
                if owner in authors:
                    author = await session.get(Actor, authors[owner])
                if author is None:
                    picked.skipped["author not found"] += 1
                else:  # a centre's Announce: through the centre
                    via = actor.uri if author.id != actor.id else None
                    incoming.append(Incoming(author, obj, "catalogue", via))
            stored = await store_remote_objects(session, incoming)
            imported = len(stored)
            known = len({i.doc["id"] for i in incoming}) - imported
            skipped = sum(picked.skipped.values())
            quiet = job.quiet_pages + 1 if (known and not imported) else 0
            depth = self.ctx.settings.catalogue_resync_depth
            finished = next_url is None or (not job.full and quiet >= depth)
            stopped = None if finished else step.stopped_by
            done = PageDone(
                job.next_url,
                next_url,
                imported,
                known,
                skipped,
                finished,
                quiet,
                step.walked,
                stopped,
                self.limits.value_of(stopped) if stopped else None,
            )
            if not await sync_jobs.save_page(session, job.id, self.worker, done):
                raise _Lost()
        if picked.skipped:
            log.info("sync of %s: skipped %s", job.actor_uri, dict(picked.skipped))
        if stopped is not None:
            report.stopped += 1
            log.warning("sync of %s stopped: %s reached", job.actor_uri, stopped)
        report.pages += step.walked.pages - job.walked.pages
        report.imported += imported
        report.known += known
        report.skipped += skipped
        return dataclasses.replace(
            job,
            next_url=None if finished else next_url,
            quiet_pages=quiet,
            attempts=0,
            walked=step.walked,
        )

    async def _authors(self, picked: Picked, actor_uri: str) -> dict[str, int]:
        """The trainers a centre's Announces name, fetched (signed, cached a day) before the
        page's transaction: an actor fetch never holds the database."""
        from compagnon.federation.resolver import Resolver

        others = {owner for owner in picked.owners if owner != actor_uri}
        if not others:
            return {}
        found = await Resolver(self.ctx).actors(others)
        return {uri: actor.id for uri, actor in found.items() if actor is not None}

    async def _failed(
        self, job: ClaimedJob, exc: Exception, now: datetime, report: SyncReport
    ) -> None:
        """Network trouble and 5xx are retried with the delivery backoff; a 4xx (410: gone)
        or a document that is not a collection page ends the job, with the reason kept."""
        error = str(exc) if isinstance(exc, fetch.FetchError | PageError) else repr(exc)
        retry_at: datetime | None = None
        if isinstance(exc, fetch.FetchError):
            verdict = classify(exc.status, exc.reason)
            if verdict.kind == "retry":
                retry_at = next_attempt(job.attempts + 1, now, job.queued_at)
        elif not isinstance(exc, PageError):
            retry_at = next_attempt(job.attempts + 1, now, job.queued_at)
        async with self.ctx.sessions.begin() as session:
            await sync_jobs.record_failure(session, job.id, self.worker, error, retry_at)
        if retry_at is None:
            report.failed += 1
            log.warning("sync of %s failed: %s", job.actor_uri, error)
        else:
            report.retried += 1
            log.info("sync of %s: %s; trying again at %s", job.actor_uri, error, retry_at)


async def sync_pass(ctx: FederationContext, worker: str, now: datetime | None = None) -> SyncReport:
    """One bounded pass for the worker: claim due jobs, import at most
    `catalogue_sync_pages_per_pass` pages among them (peers side by side), release them."""
    budget = ctx.settings.catalogue_sync_pages_per_pass
    report = SyncReport()
    if budget <= 0:
        return report
    moment = now or utcnow()
    async with ctx.sessions.begin() as session:
        claimed = await sync_jobs.claim_due(
            session, worker, min(budget, MAX_JOBS_PER_PASS), LEASE, moment
        )
    if not claimed:
        return report
    # With a delay between pages, each peer gets one page per pass (the delay is the bound).
    share = 1 if ctx.settings.catalogue_sync_page_delay > 0 else max(1, budget // len(claimed))
    # And a slow peer (each page just within fetch_total_timeout) gets what fits in the time.
    until = time.monotonic() + max(0.0, ctx.settings.catalogue_sync_seconds_per_pass)
    runner = JobRunner(ctx, worker)
    runs = (runner.run(job, share, moment, until=until) for job in claimed)
    for result in await asyncio.gather(*runs):
        report.add(result)
    return report


async def release_claims(ctx: FederationContext, worker: str) -> int:
    async with ctx.sessions.begin() as session:
        return await sync_jobs.release_claims(session, worker)


# --- on demand (the CLI) ------------------------------------------------------------------


class SyncRequestError(Exception):
    """The actor cannot be synced; the message says why."""


async def queue_sync(
    ctx: FederationContext, handle_or_url: str, *, full: bool | None = None
) -> tuple[str, int]:
    """Find the actor (WebFinger handle or URL) and queue a sync of its outbox: (actor uri,
    job id). Only the actor is fetched here; the outbox is the worker's (or run_now's)."""
    from compagnon.federation.resolver import ResolveError, Resolver

    try:
        actor = await Resolver(ctx).find(handle_or_url)
    except ResolveError as exc:
        raise SyncRequestError(str(exc)) from None
    if actor.is_local:
        raise SyncRequestError(f"{actor.uri} is an actor of this node")
    if not actor.outbox:
        raise SyncRequestError(f"{actor.uri} publishes no outbox")
    async with ctx.sessions.begin() as session:
        limits = SyncLimits.of(ctx.settings)
        job = await sync_jobs.queue(session, actor.id, actor.outbox, full=full, limits=limits)
        return actor.uri, job.id


async def run_now(
    ctx: FederationContext, job_id: int, worker: str, progress: Progress | None = None
) -> SyncReport:
    """Run one queued job here, page after page, until it ends or must wait for a retry
    (then the worker takes it up). Claimed like any worker would, so a running worker never
    imports the same page; `catalogue_sync_page_delay` is kept between pages."""
    report = SyncReport()
    runner = JobRunner(ctx, worker)
    delay = max(0.0, ctx.settings.catalogue_sync_page_delay)
    while True:
        async with ctx.sessions.begin() as session:
            claimed = await sync_jobs.claim_due(session, worker, 1, LEASE, only=job_id)
        if not claimed:
            return report  # done, failed, waiting for a retry, or held by a worker
        step = await runner.run(claimed[0], 1, utcnow())
        report.add(step)
        if progress is not None:
            progress(claimed[0], report)
        if step.finished or step.failed or step.retried or step.stopped or not step.pages:
            return report
        if delay:
            await asyncio.sleep(delay)
