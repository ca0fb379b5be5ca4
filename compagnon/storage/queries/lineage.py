"""The `derivations` table: which resources name which as their source."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, Derivation, Object

SHOWN = ("public", "unlisted")


async def replace(
    session: AsyncSession,
    derivative_ids: list[int],
    rows: list[tuple[str, int, bool]],
    *,
    fresh: bool = False,
) -> None:
    """The sources of these derivatives are now `rows` (source URI, derivative id, whether
    it is a translation); `fresh` when the derivatives were just stored (nothing to drop)."""
    if not fresh and derivative_ids:
        await session.execute(
            delete(Derivation).where(Derivation.derivative_id.in_(derivative_ids))
        )
    if rows:
        await session.execute(
            insert(Derivation),
            [{"source_uri": s, "derivative_id": d, "translation": t} for s, d, t in rows],
        )


async def derivatives(
    session: AsyncSession, source_uri: str, limit: int = 50
) -> list[tuple[Object, Actor, bool]]:
    """The public and unlisted resources, here or elsewhere, still standing, that name
    `source_uri` as their source: newest first, with their author and whether each is a
    translation."""
    result = await session.execute(
        select(Object, Actor, Derivation.translation)
        .join(Derivation, Derivation.derivative_id == Object.id)
        .join(Actor, Actor.id == Object.actor_id)
        .where(Derivation.source_uri == source_uri)
        .where(Object.deleted_at.is_(None), Object.visibility.in_(SHOWN))
        .order_by(Object.published.desc(), Object.id.desc())
        .limit(limit)
    )
    return [(obj, actor, translation) for obj, actor, translation in result]
