"""Relay subscribers (nodes subscribed to our relay actor) and relay subscriptions (relays
this node subscribed to): federation/relay.py and federation/relay_client.py."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Actor, Follow, RelaySubscriber, RelaySubscription

STYLES = ("litepub", "mastodon")


async def add_subscriber(
    session: AsyncSession, actor_id: int, style: str, follow_activity_uri: str
) -> RelaySubscriber:
    found = await session.scalar(
        select(RelaySubscriber).where(RelaySubscriber.actor_id == actor_id)
    )
    if found is None:
        found = RelaySubscriber(
            actor_id=actor_id, style=style, follow_activity_uri=follow_activity_uri
        )
        session.add(found)
    else:
        found.style, found.follow_activity_uri = style, follow_activity_uri
    await session.flush()
    return found


async def remove_subscriber(session: AsyncSession, actor_id: int) -> bool:
    result = await session.execute(
        delete(RelaySubscriber).where(RelaySubscriber.actor_id == actor_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def subscribers(session: AsyncSession) -> list[tuple[RelaySubscriber, Actor]]:
    result = await session.execute(
        select(RelaySubscriber, Actor)
        .join(Actor, Actor.id == RelaySubscriber.actor_id)
        .where(Actor.gone_at.is_(None))
        .order_by(RelaySubscriber.id)
    )
    return [(s, a) for s, a in result]


async def is_subscriber(session: AsyncSession, actor_id: int) -> bool:
    found = await session.scalar(
        select(RelaySubscriber.id).where(RelaySubscriber.actor_id == actor_id)
    )
    return found is not None


async def member_hosts(session: AsyncSession) -> set[str]:
    """The hosts whose public activities an aggregator relays: those of the actors its local
    actors follow (accepted), and of its relay subscribers."""
    follower = select(Actor.id).where(Actor.is_local.is_(True))
    followed = await session.execute(
        select(Actor.domain)
        .join(Follow, Follow.followee_id == Actor.id)
        .where(Follow.follower_id.in_(follower), Follow.state == "accepted")
        .distinct()
    )
    subscribed = await session.execute(
        select(Actor.domain).join(RelaySubscriber, RelaySubscriber.actor_id == Actor.id)
    )
    return {d.lower() for d in [*followed.scalars(), *subscribed.scalars()]}


# --- relays we subscribed to ---------------------------------------------------------------


async def add_subscription(
    session: AsyncSession, relay_uri: str, style: str, follow_activity_uri: str
) -> RelaySubscription:
    found = await session.scalar(
        select(RelaySubscription).where(RelaySubscription.relay_uri == relay_uri)
    )
    if found is None:
        found = RelaySubscription(relay_uri=relay_uri, style=style, state="pending")
        session.add(found)
    found.style, found.follow_activity_uri, found.state = style, follow_activity_uri, "pending"
    await session.flush()
    return found


async def subscription_by_follow(
    session: AsyncSession, follow_activity_uri: str
) -> RelaySubscription | None:
    return await session.scalar(
        select(RelaySubscription).where(
            RelaySubscription.follow_activity_uri == follow_activity_uri
        )
    )


async def subscription_by_uri(session: AsyncSession, relay_uri: str) -> RelaySubscription | None:
    return await session.scalar(
        select(RelaySubscription).where(RelaySubscription.relay_uri == relay_uri)
    )


async def all_subscriptions(session: AsyncSession) -> list[RelaySubscription]:
    result = await session.execute(select(RelaySubscription).order_by(RelaySubscription.id))
    return list(result.scalars())


async def is_relay_we_follow(session: AsyncSession, actor_uri: str) -> bool:
    found = await session.scalar(
        select(RelaySubscription.id).where(
            RelaySubscription.relay_actor_uri == actor_uri, RelaySubscription.state == "accepted"
        )
    )
    return found is not None


async def any_accepted(session: AsyncSession, style: str) -> bool:
    found = await session.scalar(
        select(RelaySubscription.id)
        .where(RelaySubscription.state == "accepted", RelaySubscription.style == style)
        .limit(1)
    )
    return found is not None


async def member_centres(session: AsyncSession) -> list[Actor]:
    """An aggregator's members: the remote centres (Organization actors) its accounts follow,
    accepted, not gone; oldest first."""
    follower = select(Actor.id).where(Actor.is_local.is_(True))
    followed = (
        select(Follow.followee_id)
        .where(Follow.follower_id.in_(follower), Follow.state == "accepted")
        .distinct()
    )
    result = await session.execute(
        select(Actor)
        .where(
            Actor.id.in_(followed),
            Actor.is_local.is_(False),
            Actor.type == "Organization",
            Actor.gone_at.is_(None),
        )
        .order_by(Actor.id)
    )
    return list(result.scalars())
