"""Peers: their health, the policy an admin sets for each (silence, block, allow), the
blocklist import, the allowlist mode, and the delivery ledger with its resend."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.i18n import _
from compagnon.operations.admin.common import AdminError
from compagnon.storage.models import (
    Delivery,
    Peer,
    utcnow,
)
from compagnon.storage.queries import deliveries, peers

# ---- peers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerHealth:
    host: str
    policy: str
    unreachable: bool
    last_success_at: datetime | None
    failing_since: datetime | None
    next_retry_at: datetime | None
    pending: int
    gave_up: int
    note: str


async def peer_health(session: AsyncSession) -> list[PeerHealth]:
    """Every known peer with its policy and health: last success, failing since, the next
    retry of its pending deliveries and how many are pending or given up."""
    counts = await session.execute(
        select(
            Delivery.host,
            Delivery.state,
            func.count(),
            func.min(Delivery.next_attempt_at),
        )
        .where(Delivery.state.in_([deliveries.PENDING, deliveries.GAVE_UP]))
        .group_by(Delivery.host, Delivery.state)
    )
    pending: dict[str, tuple[int, datetime | None]] = {}
    gave_up: dict[str, int] = {}
    for host, state, n, first in counts:
        if state == deliveries.PENDING:
            pending[host] = (int(n), first)
        else:
            gave_up[host] = int(n)
    return [
        PeerHealth(
            host=p.host,
            policy=peers.policy_of(p),
            unreachable=p.unreachable,
            last_success_at=p.last_success_at,
            failing_since=p.failing_since,
            next_retry_at=pending.get(p.host, (0, None))[1],
            pending=pending.get(p.host, (0, None))[0],
            gave_up=gave_up.get(p.host, 0),
            note=p.note,
        )
        for p in await peers.all_peers(session)
    ]


HOST = re.compile(r"[a-z0-9.-]{1,253}(:[0-9]{1,5})?")


def clean_host(text: str) -> str:
    host = text.strip().lower().rstrip(".")
    if "://" in host:
        host = host.split("://", 1)[1].split("/", 1)[0]
    if not HOST.fullmatch(host) or ("." not in host.split(":")[0] and ":" not in host):
        raise AdminError(_("{host} is not a domain name.", host=text.strip()[:100]))
    return host


async def set_peer_policy(session: AsyncSession, host: str, policy: str, note: str = "") -> Peer:
    if policy not in peers.POLICIES:
        raise AdminError(_("The policy must be one of: {p}.", p=", ".join(peers.POLICIES)))
    return await peers.set_policy(session, clean_host(host), policy, note[:1000])


@dataclass
class ImportReport:
    blocked: int = 0
    silenced: int = 0
    skipped: list[str] | None = None


MASTODON_SEVERITY = {"suspend": "block", "silence": "silence", "noop": None}


def read_blocklist(text: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Rows (host, policy, comment) of a blocklist in Mastodon's CSV export format
    (`#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate`; a file with
    only a `domain` column, or none, is read as blocks), and the lines it could not use."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[tuple[str, str, str]] = []
    skipped: list[str] = []
    header: list[str] | None = None
    for number, fields in enumerate(reader, start=1):
        if not fields or not any(f.strip() for f in fields):
            continue
        names = [f.strip().lstrip("#").lower() for f in fields]
        if header is None and "domain" in names:
            header = names
            continue
        record = dict(zip(header or ["domain", "severity"], fields, strict=False))
        domain = record.get("domain", "").strip()
        severity = (record.get("severity") or "suspend").strip().lower()
        if severity not in MASTODON_SEVERITY:
            skipped.append(_("line {n}: unknown severity {s}", n=number, s=severity[:40]))
            continue
        policy = MASTODON_SEVERITY[severity]
        if policy is None:
            continue
        if "*" in domain:  # an obfuscated domain (b*d.example) cannot be matched
            skipped.append(_("line {n}: obfuscated domain {d}", n=number, d=domain[:100]))
            continue
        try:
            host = clean_host(domain)
        except AdminError:
            skipped.append(_("line {n}: not a domain: {d}", n=number, d=domain[:100]))
            continue
        rows.append((host, policy, (record.get("public_comment") or "").strip()[:1000]))
    return rows, skipped


async def import_blocklist(session: AsyncSession, text: str) -> ImportReport:
    """Apply a Mastodon blocklist: `suspend` rows block, `silence` rows silence, `noop` rows
    are read and left alone. A host already blocked here stays blocked."""
    rows, skipped = read_blocklist(text)
    report = ImportReport(skipped=skipped)
    for host, policy, comment in rows:
        existing = await session.get(Peer, host)
        if existing is not None and existing.blocked and policy == "silence":
            continue
        await peers.set_policy(session, host, policy, comment)
        if policy == "block":
            report.blocked += 1
        else:
            report.silenced += 1
    return report


async def set_allowlist_only(session: AsyncSession, on: bool) -> None:
    await peers.set_allowlist_only(session, on)


# ---- the delivery ledger -------------------------------------------------------------------


async def deliveries_of_host(session: AsyncSession, host: str, limit: int = 100) -> list[Delivery]:
    result = await session.execute(
        select(Delivery)
        .where(Delivery.host == host.strip().lower())
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def resend(
    session: AsyncSession, *, delivery_id: int | None = None, object_uri: str | None = None
) -> int:
    """Queue given-up deliveries again (one row, or every given-up row of an object): due now,
    with a fresh seven-day window. Returns how many were re-queued."""
    query = update(Delivery).where(Delivery.state == deliveries.GAVE_UP)
    if delivery_id is not None:
        query = query.where(Delivery.id == delivery_id)
    elif object_uri is not None:
        query = query.where(Delivery.object_uri == object_uri)
    else:
        raise AdminError(_("Say which delivery or which object to send again."))
    now = utcnow()
    result = await session.execute(
        query.values(
            state=deliveries.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            finished_at=None,
            claimed_by=None,
            claimed_until=None,
        ).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
