"""Reports received and sent: forward to the author's node, remove the content, act on the
account, resolve."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.outbox import publish
from compagnon.federation.search_index import forget
from compagnon.federation.urls import Urls
from compagnon.i18n import _
from compagnon.operations.admin.common import AdminError
from compagnon.storage.models import (
    Activity,
    Actor,
    Report,
    utcnow,
)
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import objects as object_queries
from compagnon.storage.queries import statistics_counts

# ---- reports -------------------------------------------------------------------------------


async def reports_received(session: AsyncSession, *, open_only: bool = False) -> list[Any]:
    query = select(Report, Actor).join(Actor, Actor.id == Report.reporter_id)
    if open_only:
        query = query.where(Report.resolved_at.is_(None))
    return list((await session.execute(query.order_by(Report.id.desc()).limit(200))).all())


async def reports_sent(session: AsyncSession) -> list[Activity]:
    result = await session.execute(
        select(Activity)
        .where(Activity.type == "Flag", Activity.is_local.is_(True))
        .order_by(Activity.id.desc())
        .limit(200)
    )
    return list(result.scalars())


async def _report(session: AsyncSession, report_id: int) -> Report:
    report = await session.get(Report, report_id)
    if report is None:
        raise AdminError(_("There is no report number {n}.", n=report_id))
    return report


async def _reported_account(session: AsyncSession, report: Report) -> Actor:
    """The account a report is about: a target that is an actor, or the author of a target
    object."""
    for uri in report.targets.get("uris", []):
        actor = await actor_queries.by_uri(session, uri)
        if actor is not None:
            return actor
        obj = await object_queries.by_uri(session, uri)
        if obj is not None:
            author = await session.get(Actor, obj.actor_id)
            if author is not None:
                return author
    raise AdminError(_("The reported account is not known here."))


async def forward_report(session: AsyncSession, urls: Urls, report_id: int) -> Activity:
    """Send the report, as a Flag from this node, to the reported account's own node."""
    report = await _report(session, report_id)
    account = await _reported_account(session, report)
    if account.is_local:
        raise AdminError(_("The reported account is on this node: there is nowhere to forward."))
    instance = await actor_queries.by_uri(session, urls.instance_actor)
    assert instance is not None
    objects = [u for u in report.targets.get("uris", []) if u != account.uri]
    flag = await publish.report(session, urls, instance, account, objects, report.comment)
    report.forwarded_at = utcnow()
    return flag


async def remove_reported_content(session: AsyncSession, urls: Urls, report_id: int) -> int:
    """Delete the reported local posts (a Delete goes out as for their author) and hide the
    reported remote ones (a tombstone here, out of timelines and search). Returns how many."""
    report = await _report(session, report_id)
    removed = 0
    for uri in report.targets.get("uris", []):
        obj = await object_queries.by_uri(session, uri)
        if obj is None or obj.deleted_at is not None:
            continue
        if obj.is_local:
            author = await session.get(Actor, obj.actor_id)
            assert author is not None
            await publish.delete_note(session, urls, author, obj)
        else:
            obj.deleted_at = utcnow()
            await forget(session, [obj])
        removed += 1
    _resolve(report, "removed")
    return removed


async def moderate_account(session: AsyncSession, report_id: int, action: str) -> Actor:
    """Silence or suspend the reported account (a local or a remote one)."""
    report = await _report(session, report_id)
    account = await _reported_account(session, report)
    if action == "silence":
        account.silenced_at = utcnow()
    elif action == "suspend":
        account.suspended_at = utcnow()
    else:
        raise AdminError(_("The action must be silence or suspend."))
    await statistics_counts.recount_authors(session, [account.id])
    _resolve(report, action)
    return account


async def resolve_report(session: AsyncSession, report_id: int) -> Report:
    report = await _report(session, report_id)
    _resolve(report, report.action or "resolved")
    return report


def _resolve(report: Report, action: str) -> None:
    report.resolved_at = report.resolved_at or utcnow()
    report.action = action[:32]
