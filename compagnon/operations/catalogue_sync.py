"""Catalogue sync from the command line: queue a sync of a peer's outbox (`compagnon catalogue
sync`) and report the jobs (`catalogue status`); the worker does the fetching."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from compagnon.config import Settings
from compagnon.federation import catalogue, sync_limits
from compagnon.operations import OperationError, database, federation
from compagnon.storage.models import SyncJob, utcnow
from compagnon.storage.queries import sync_jobs


async def catalogue_sync(
    settings: Settings,
    handle_or_url: str,
    *,
    full: bool | None = None,
    run: bool = False,
    progress: Callable[[catalogue.SyncReport], None] | None = None,
) -> dict[str, Any]:
    """Queue a catalogue sync of a remote actor (the worker runs it), or with `run` run it
    here until it ends or waits for a retry; returns the job's row as it stands then."""
    async with federation(settings) as ctx:
        try:
            actor_uri, job_id = await catalogue.queue_sync(ctx, handle_or_url, full=full)
        except catalogue.SyncRequestError as exc:
            raise OperationError(str(exc)) from None
        if run:
            worker = f"cli-{os.getpid()}"
            shown = None if progress is None else (lambda _job, report: progress(report))
            await catalogue.run_now(ctx, job_id, worker, shown)
        async with ctx.sessions() as session:
            job = await session.get(SyncJob, job_id)
            assert job is not None
            return {"actor": actor_uri, **job_row(job)}


def job_row(job: SyncJob) -> dict[str, Any]:
    running = job.claimed_until is not None and job.claimed_until > utcnow()
    stopped = job.state == sync_jobs.STOPPED
    return {
        "state": "running" if job.state == "pending" and running else job.state,
        # why a runaway outbox was stopped, and what the admin can do (sync_limits.py)
        "stopped": sync_limits.stop_reason(job) if stopped else None,
        "go_on": sync_limits.how_to_go_on(job) if stopped else None,
        "items": job.items,
        "bytes_read": job.bytes_read,
        "full": job.full,
        "pages": job.pages,
        "imported": job.imported,
        "known": job.known,
        "skipped": job.skipped,
        "attempts": job.attempts,
        "next_attempt_at": job.next_attempt_at,
        "last_error": job.last_error,
        "queued_at": job.queued_at,
        "finished_at": job.finished_at,
    }


async def catalogue_status(settings: Settings) -> list[dict[str, Any]]:
    """Every catalogue sync job, oldest first."""
    async with database(settings) as sessions, sessions() as session:
        rows = await sync_jobs.all_jobs(session)
    return [{"actor": uri, **job_row(job)} for job, uri in rows]
