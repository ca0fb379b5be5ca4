"""Queries on actors: local accounts, cached remote actors, key lookup."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, User, utcnow


async def by_uri(session: AsyncSession, uri: str) -> Actor | None:
    result = await session.execute(select(Actor).where(Actor.uri == uri))
    return result.scalar_one_or_none()


async def by_uris(session: AsyncSession, uris: set[str]) -> dict[str, Actor]:
    """The known actors among `uris`, by URI (one SELECT per 500 URIs)."""
    found: dict[str, Actor] = {}
    wanted = sorted(uris)
    for start in range(0, len(wanted), 500):
        result = await session.execute(
            select(Actor).where(Actor.uri.in_(wanted[start : start + 500]))
        )
        found.update((actor.uri, actor) for actor in result.scalars())
    return found


async def local_ids_by_uris(session: AsyncSession, uris: set[str]) -> dict[str, int]:
    """{URI: actor id} of the local actors among `uris`: two columns, not whole actors (the
    worker asks it of every batch of received posts, for their mentions)."""
    found: dict[str, int] = {}
    wanted = sorted(uris)
    for start in range(0, len(wanted), 500):
        rows = await session.execute(
            select(Actor.uri, Actor.id).where(
                Actor.uri.in_(wanted[start : start + 500]), Actor.is_local.is_(True)
            )
        )
        found.update((uri, actor_id) for uri, actor_id in rows)
    return found


async def by_key_id(session: AsyncSession, key_id: str) -> Actor | None:
    result = await session.execute(select(Actor).where(Actor.public_key_id == key_id).limit(1))
    return result.scalar_one_or_none()


async def local_by_username(session: AsyncSession, username: str) -> Actor | None:
    result = await session.execute(
        select(Actor).where(Actor.is_local.is_(True), Actor.username == username)
    )
    return result.scalar_one_or_none()


async def upsert_remote(session: AsyncSession, fields: dict[str, Any]) -> Actor:
    """Insert or refresh a remote actor from the fields
    `actor_convert.actor_fields_from_document` read."""
    actor = await by_uri(session, fields["uri"])
    if actor is None:
        # An actor's first posts often arrive together, each request fetching the unknown
        # actor: the store that loses the race refreshes the row the other one inserted
        # (it failed its request with a 503 before).
        try:
            async with session.begin_nested():
                actor = Actor(is_local=False, **fields, fetched_at=utcnow())
                session.add(actor)
            return actor
        except IntegrityError:
            actor = await by_uri(session, fields["uri"])
            if actor is None:
                raise
    for key, value in fields.items():
        setattr(actor, key, value)
    actor.gone_at = None
    actor.fetched_at = utcnow()
    await session.flush()
    return actor


async def mark_gone(session: AsyncSession, uri: str, when: datetime) -> None:
    actor = await by_uri(session, uri)
    if actor is not None and not actor.is_local:
        actor.gone_at = when


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(User.username == username))
    return result.scalar_one_or_none()


async def users_with_actors(session: AsyncSession) -> list[tuple[User, Actor]]:
    result = await session.execute(
        select(User, Actor).join(Actor, User.actor_id == Actor.id).order_by(User.id)
    )
    return [(u, a) for u, a in result]


async def count_local(session: AsyncSession, type_: str = "Person") -> int:
    from sqlalchemy import func

    result = await session.execute(
        select(func.count()).select_from(Actor).where(Actor.is_local.is_(True), Actor.type == type_)
    )
    return int(result.scalar_one())
