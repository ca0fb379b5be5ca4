"""Provenance of received objects (table `provenance`, migration 0016): where each came from
(origin host), when it was first and last seen, by which route, through whom (a centre, a
relay). Written by ingest.store_remote_objects (a batch at a time) and the Update handler."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.bulk import insert_rows
from compagnon.storage.models import Object, Provenance, utcnow

# direct: delivered to us (a followed actor's Create); catalogue: catalogue sync of an outbox;
# centre: a centre's Announce of its trainer's resource; relay: through a relay.
ROUTES = ("direct", "catalogue", "centre", "relay")
IN_CHUNK = 500
PROVENANCE = cast(Table, Provenance.__table__)


@dataclass(frozen=True)
class Seen:
    object_id: int
    origin_host: str
    route: str
    via: str | None


async def record_new(session: AsyncSession, seen: Sequence[Seen]) -> None:
    """The provenance of objects just stored (one INSERT for the batch)."""
    if not seen:
        return
    now = utcnow()
    rows = [
        {
            "object_id": s.object_id,
            "origin_host": s.origin_host[:255],
            "route": s.route,
            "via": s.via,
            "first_seen": now,
            "last_seen": now,
        }
        for s in seen
    ]
    # One statement for the batch (storage/bulk.py); a conflict is another worker's row.
    await insert_rows(
        await session.connection(), PROVENANCE, rows, skip_conflicts_on=("object_id",)
    )


async def seen_again(
    session: AsyncSession, uris: Sequence[str], when: datetime | None = None
) -> None:
    """Objects held already that arrived again (a re-sync, an Update, a second route)."""
    moment = when or utcnow()
    for start in range(0, len(uris), IN_CHUNK):
        chunk = list(uris[start : start + IN_CHUNK])
        await session.execute(
            update(Provenance)
            .where(Provenance.object_id.in_(select(Object.id).where(Object.uri.in_(chunk))))
            .values(last_seen=moment)
            .execution_options(synchronize_session=False)
        )


async def of_object(session: AsyncSession, uri: str) -> tuple[Object, Provenance | None] | None:
    result = await session.execute(
        select(Object, Provenance)
        .outerjoin(Provenance, Provenance.object_id == Object.id)
        .where(Object.uri == uri)
    )
    row = result.first()
    return None if row is None else (row[0], row[1])


async def by_object_id(session: AsyncSession, object_id: int) -> Provenance | None:
    return await session.get(Provenance, object_id)


async def summary(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(origin host, route, objects) for `compagnon catalogue provenance`."""
    from sqlalchemy import func

    result = await session.execute(
        select(Provenance.origin_host, Provenance.route, func.count())
        .group_by(Provenance.origin_host, Provenance.route)
        .order_by(Provenance.origin_host, Provenance.route)
    )
    return [(host, route, int(n)) for host, route, n in result]
