"""Queries on peer hosts: blocking, reachability, the signature format that works."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import NodeFact, Peer, utcnow
from compagnon.storage.queries import statistics_counts


async def get_or_create(session: AsyncSession, host: str) -> Peer:
    peer = await session.get(Peer, host.lower())
    if peer is None:
        peer = Peer(
            host=host.lower(),
            blocked=False,
            silenced=False,
            allowed=False,
            unreachable=False,
            note="",
        )
        session.add(peer)
        await session.flush()
    return peer


async def all_peers(session: AsyncSession) -> list[Peer]:
    return list((await session.execute(select(Peer).order_by(Peer.host))).scalars())


async def blocked_hosts(session: AsyncSession) -> set[str]:
    result = await session.execute(select(Peer.host).where(Peer.blocked.is_(True)))
    return set(result.scalars())


async def set_blocked(session: AsyncSession, host: str, blocked: bool, note: str = "") -> Peer:
    peer = await get_or_create(session, host)
    peer.blocked = blocked
    if note:
        peer.note = note
    return peer


async def record_successes(session: AsyncSession, schemes: dict[str, str | None]) -> None:
    """Hosts that took a delivery are well: one upsert for all of them, keeping the signature
    scheme that worked (or the one known before)."""
    if not schemes:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    hosts = sorted(schemes)
    for start in range(0, len(hosts), 500):  # stay far below the bound-parameter limits
        rows = [
            {
                "host": h.lower(),
                "blocked": False,
                "silenced": False,
                "allowed": False,
                "unreachable": False,
                "note": "",
                "last_success_at": now,
                "signature_scheme": schemes[h],
            }
            for h in hosts[start : start + 500]
        ]
        statement = insert(Peer).values(rows)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["host"],
                set_={
                    "last_success_at": statement.excluded.last_success_at,
                    "failing_since": None,
                    "unreachable": False,
                    "signature_scheme": func.coalesce(
                        statement.excluded.signature_scheme, Peer.signature_scheme
                    ),
                },
            )
        )


async def record_failure(
    session: AsyncSession, host: str, now: datetime, unreachable_after_days: float
) -> bool:
    """Returns True when the host has been failing long enough to be called unreachable."""
    peer = await get_or_create(session, host)
    if peer.failing_since is None:
        peer.failing_since = now
    elif (now - peer.failing_since).total_seconds() > unreachable_after_days * 86400:
        peer.unreachable = True
    return peer.unreachable


async def unreachable_hosts(session: AsyncSession) -> set[str]:
    result = await session.execute(select(Peer.host).where(Peer.unreachable.is_(True)))
    return set(result.scalars())


async def revive(session: AsyncSession, hosts: set[str]) -> list[str]:
    """Any signed request from a host brings it back; returns the hosts that were down."""
    if not hosts:
        return []
    result = await session.execute(
        update(Peer)
        .where(Peer.host.in_(hosts), Peer.unreachable.is_(True))
        .values(unreachable=False, failing_since=None, last_seen_at=utcnow())
        .returning(Peer.host)
    )
    return list(result.scalars())


async def signature_schemes(session: AsyncSession, hosts: set[str]) -> dict[str, str]:
    """The signature scheme each of `hosts` is known to accept (double-knocking memory)."""
    if not hosts:
        return {}
    result = await session.execute(
        select(Peer.host, Peer.signature_scheme).where(
            Peer.host.in_(hosts), Peer.signature_scheme.is_not(None)
        )
    )
    return {host: scheme for host, scheme in result if scheme}


# Per-domain policy from the admin pages (server/views/admin.py) and `compagnon peer ...`.
POLICIES = ("none", "allow", "silence", "block")
FEDERATION_MODE = "federation_mode"  # NodeFact key: "open" (default) or "allowlist"


async def set_policy(session: AsyncSession, host: str, policy: str, note: str = "") -> Peer:
    """allow: listed for the allowlist mode; silence: accepted but kept out of public lists
    and search; block: refused both ways; none: back to the default."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}")
    peer = await get_or_create(session, host)
    peer.blocked = policy == "block"
    peer.silenced = policy == "silence"
    peer.allowed = policy in ("allow", "silence")
    if note:
        peer.note = note
    # Its actors' resources leave (or rejoin) the statistics with the silence.
    await statistics_counts.recount_authors(
        session, await statistics_counts.authors_of_host(session, host)
    )
    return peer


def policy_of(peer: Peer) -> str:
    if peer.blocked:
        return "block"
    if peer.silenced:
        return "silence"
    return "allow" if peer.allowed else "none"


async def allowed_hosts(session: AsyncSession) -> set[str]:
    result = await session.execute(
        select(Peer.host).where(Peer.allowed.is_(True), Peer.blocked.is_(False))
    )
    return set(result.scalars())


async def silenced_hosts(session: AsyncSession) -> set[str]:
    result = await session.execute(select(Peer.host).where(Peer.silenced.is_(True)))
    return set(result.scalars())


async def allowlist_only(session: AsyncSession) -> bool:
    fact = await session.get(NodeFact, FEDERATION_MODE)
    return fact is not None and fact.value == "allowlist"


async def set_allowlist_only(session: AsyncSession, on: bool) -> None:
    fact = await session.get(NodeFact, FEDERATION_MODE)
    value = "allowlist" if on else "open"
    if fact is None:
        session.add(NodeFact(key=FEDERATION_MODE, value=value))
    else:
        fact.value = value
