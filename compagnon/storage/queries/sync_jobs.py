"""Catalogue sync jobs: one row per remote actor whose outbox we page through, claimed by
workers the way deliveries are (one UPDATE ... RETURNING; SKIP LOCKED on PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.config import Settings
from compagnon.storage.models import Actor, SyncJob, utcnow
from compagnon.storage.queries import claims

PENDING, DONE, FAILED, STOPPED = "pending", "done", "failed", "stopped"
# What stopped a job (`stopped_by`): the setting whose limit it reached, or a loop.
MAX_ITEMS = "catalogue_sync_max_items"
MAX_PAGES = "catalogue_sync_max_pages"
MAX_BYTES = "catalogue_sync_max_bytes"
MAX_EMPTY_PAGES = "catalogue_sync_max_empty_pages"
REPEATED_PAGE = "repeated_page"


@dataclass(frozen=True)
class SyncLimits:
    """How far one walk of an outbox may go (the settings of the same names)."""

    max_items: int
    max_pages: int
    max_bytes: int
    max_empty_pages: int

    @classmethod
    def of(cls, settings: Settings) -> SyncLimits:
        return cls(
            settings.catalogue_sync_max_items,
            settings.catalogue_sync_max_pages,
            settings.catalogue_sync_max_bytes,
            settings.catalogue_sync_max_empty_pages,
        )

    def value_of(self, stopped_by: str) -> int | None:
        """The value of the limit named `stopped_by` (None: not a limit, a loop)."""
        return {
            MAX_ITEMS: self.max_items,
            MAX_PAGES: self.max_pages,
            MAX_BYTES: self.max_bytes,
            MAX_EMPTY_PAGES: self.max_empty_pages,
        }.get(stopped_by)

    def raised_for(self, job: SyncJob) -> bool:
        """Is the limit that stopped the job higher now? (A loop in the outbox is not a
        limit: only a walk from the top, `full`, tries it again.)"""
        now = self.value_of(job.stopped_by or "")
        return now is not None and job.stop_limit is not None and now > job.stop_limit


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def queue(
    session: AsyncSession,
    actor_id: int,
    outbox_url: str,
    *,
    full: bool | None = None,
    limits: SyncLimits | None = None,
) -> SyncJob:
    """Queue a sync of the actor's outbox; nothing is fetched here (the worker does).

    A job already pending is left as it is (a second Accept changes nothing). A finished job
    is queued again from the top: as a re-sync (stops once pages bring nothing new) when the
    last one completed, as a full walk when it failed or `full` is asked. A job stopped at a
    limit stays stopped (a runaway outbox is not walked again by every Accept), unless `full`
    is asked (from the top) or `limits` are higher than the one it reached (it goes on from
    where it stopped)."""
    now = utcnow()
    fresh = {
        "actor_id": actor_id,
        "outbox_url": outbox_url,
        "next_url": None,
        "state": PENDING,
        "full": True if full is None else full,
        "pages": 0,
        "quiet_pages": 0,
        "imported": 0,
        "known": 0,
        "skipped": 0,
        "items": 0,
        "bytes_read": 0,
        "empty_pages": 0,
        "checkpoint_url": None,
        "stopped_by": None,
        "stop_limit": None,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "claimed_by": None,
        "claimed_until": None,
        "queued_at": now,
        "finished_at": None,
    }
    insert = _insert_for(session)
    # ON CONFLICT: two local followers of the same actor accepted in one batch queue one job.
    await session.execute(
        insert(SyncJob).values(fresh).on_conflict_do_nothing(index_elements=["actor_id"])
    )
    job = await session.scalar(
        select(SyncJob)
        .where(SyncJob.actor_id == actor_id)
        .execution_options(populate_existing=True)
    )
    assert job is not None
    if job.state == STOPPED and not full:
        if limits is not None and limits.raised_for(job):
            _resume(job, now)
            await session.flush()
        return job
    if job.state != PENDING:
        resync = job.state == DONE if full is None else not full
        fresh["full"] = not resync
        for key, value in fresh.items():
            setattr(job, key, value)
        await session.flush()
    elif full:
        job.full = True
    return job


def _resume(job: SyncJob, now: datetime) -> None:
    """A stopped job goes on from the page where it stopped, its counts kept."""
    job.state = PENDING
    job.stopped_by = None
    job.stop_limit = None
    job.last_error = None
    job.checkpoint_url = None  # the page it stopped at is read again: not a loop
    job.attempts = 0
    job.next_attempt_at = now
    job.finished_at = None
    job.claimed_by = None
    job.claimed_until = None


@dataclass(frozen=True)
class Walked:
    """What a walk has read so far, against the limits."""

    pages: int = 0
    items: int = 0
    bytes_read: int = 0
    empty_pages: int = 0
    checkpoint_url: str | None = None


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    actor_id: int
    actor_uri: str
    outbox_url: str
    next_url: str | None
    full: bool
    quiet_pages: int
    attempts: int
    queued_at: datetime
    walked: Walked = Walked()
    followers_url: str = ""


async def claim_due(
    session: AsyncSession,
    worker: str,
    limit: int,
    lease: timedelta,
    now: datetime | None = None,
    *,
    only: int | None = None,
) -> list[ClaimedJob]:
    """Take up to `limit` due jobs for this worker in one statement, so two workers (or two
    processes) never hold the same job (claims.py)."""
    # `only`: the CLI running one job itself
    also = SyncJob.id == only if only is not None else None
    ids = await claims.claim(session, SyncJob, worker, limit, lease, now or utcnow(), also)
    if not ids:
        return []
    rows = await session.execute(
        select(SyncJob, Actor.uri, Actor.followers_url)
        .join(Actor, Actor.id == SyncJob.actor_id)
        .where(SyncJob.id.in_(ids))
        .order_by(SyncJob.id)
        .execution_options(populate_existing=True)
    )
    return [
        ClaimedJob(
            j.id,
            j.actor_id,
            uri,
            j.outbox_url,
            j.next_url,
            j.full,
            j.quiet_pages,
            j.attempts,
            j.queued_at,
            Walked(j.pages, j.items, j.bytes_read, j.empty_pages, j.checkpoint_url),
            followers,
        )
        for j, uri, followers in rows
    ]


@dataclass(frozen=True)
class PageDone:
    """What one page brought, saved with the page's objects in one transaction."""

    fetched: str | None  # the job's next_url when the page was fetched (None: the outbox)
    next_url: str | None
    imported: int
    known: int
    skipped: int
    finished: bool
    quiet_pages: int
    walked: Walked  # the walk after this page (totals, not increments)
    stopped_by: str | None = None  # a limit reached: the job stops here
    stop_limit: int | None = None  # that limit's value


async def save_page(session: AsyncSession, job_id: int, worker: str, page: PageDone) -> bool:
    """Record a page as imported. Only while this worker holds the job and the job still
    points at the page fetched: False means another worker took it meanwhile (the caller
    rolls back, so the page is never imported twice)."""
    fetched = (
        SyncJob.next_url.is_(None) if page.fetched is None else SyncJob.next_url == page.fetched
    )
    values: dict[str, Any] = {
        "next_url": page.next_url,
        "pages": page.walked.pages,
        "quiet_pages": page.quiet_pages,
        "imported": SyncJob.imported + page.imported,
        "known": SyncJob.known + page.known,
        "skipped": SyncJob.skipped + page.skipped,
        "items": page.walked.items,
        "bytes_read": page.walked.bytes_read,
        "empty_pages": page.walked.empty_pages,
        "checkpoint_url": page.walked.checkpoint_url,
        "attempts": 0,
        "last_error": None,
    }
    if page.finished:
        values.update(state=DONE, finished_at=utcnow(), claimed_by=None, claimed_until=None)
    elif page.stopped_by is not None:
        values.update(
            state=STOPPED,
            stopped_by=page.stopped_by,
            stop_limit=page.stop_limit,
            finished_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        )
    result = await session.execute(
        update(SyncJob)
        .where(
            SyncJob.id == job_id,
            SyncJob.state == PENDING,
            SyncJob.claimed_by == worker,
            fetched,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def record_failure(
    session: AsyncSession, job_id: int, worker: str, error: str, retry_at: datetime | None
) -> None:
    """A page could not be fetched or read: try again at `retry_at`, or (None) give up."""
    values: dict[str, Any] = {
        "attempts": SyncJob.attempts + 1,
        "last_error": error[:2000],
        "claimed_by": None,
        "claimed_until": None,
    }
    if retry_at is None:
        values.update(state=FAILED, finished_at=utcnow())
    else:
        values["next_attempt_at"] = retry_at
    await session.execute(
        update(SyncJob)
        .where(SyncJob.id == job_id, SyncJob.claimed_by == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, job_id: int, worker: str, due: datetime) -> None:
    """This pass's share of pages is done: the job is free for any worker from `due` on."""
    await session.execute(
        update(SyncJob)
        .where(SyncJob.id == job_id, SyncJob.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None, next_attempt_at=due)
        .execution_options(synchronize_session=False)
    )


async def release_claims(session: AsyncSession, worker: str) -> int:
    """A restarted worker takes back the jobs its previous run held."""
    return await claims.release(session, SyncJob, worker)


async def by_actor(session: AsyncSession, actor_id: int) -> SyncJob | None:
    return await session.scalar(
        select(SyncJob)
        .where(SyncJob.actor_id == actor_id)
        .execution_options(populate_existing=True)
    )


async def all_jobs(session: AsyncSession) -> list[tuple[SyncJob, str]]:
    rows = await session.execute(
        select(SyncJob, Actor.uri).join(Actor, Actor.id == SyncJob.actor_id).order_by(SyncJob.id)
    )
    return [(job, uri) for job, uri in rows]
