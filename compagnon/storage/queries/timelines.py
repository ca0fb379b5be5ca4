"""The timelines a trainer reads, newest publication first, paged by a keyset (`before`, a
publication time): home (what I follow, and what they share), this centre (local public
posts), the network (every public post this node holds), a hashtag, and a post's replies.

Paging by publication, not arrival: a catalogue imported today still reads newest first.
`after` (with `ascending`, the page just after it, oldest first) serves the Mastodon API's
`since_id` and `min_id` (server/api/timelines.py); the web pages page with `before` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from compagnon.storage.models import Actor, Follow, Object, Reaction, TimelineEntry
from compagnon.storage.queries.consent import non_consenting_actors
from compagnon.storage.queries.follows import reblogs_hidden
from compagnon.storage.queries.search import hidden_authors

LISTED = ("public",)
READABLE = ("public", "unlisted")


@dataclass(frozen=True)
class Item:
    """One line of a timeline: the object and its author, and who shared it (a boost) with
    when, if that is why it is here."""

    when: datetime
    obj: Object
    author: Actor
    shared_by: Actor | None = None


async def home(
    session: AsyncSession,
    user_id: int,
    actor_id: int,
    *,
    before: datetime | None = None,
    limit: int = 20,
    after: datetime | None = None,
    ascending: bool = False,
) -> list[Item]:
    """The user's materialised timeline, with the shares (Announce) of the actors they
    follow merged in at the time of the share (but for those whose shares they turned off:
    follows.reblogs_hidden)."""
    posts = (
        select(Object, Actor)
        .join(TimelineEntry, TimelineEntry.object_id == Object.id)
        .join(Actor, Actor.id == Object.actor_id)
        .where(
            TimelineEntry.user_id == user_id,
            Object.deleted_at.is_(None),
            Actor.suspended_at.is_(None),  # a suspended account's posts are shown to nobody
        )
    )
    if before is not None:
        posts = posts.where(Object.published < before)
    if after is not None:
        posts = posts.where(Object.published > after)
    posts = posts.order_by(*_order(Object.published, Object.id, ascending)).limit(limit)
    items = [Item(o.published, o, a) for o, a in await session.execute(posts)]

    sharer = aliased(Actor)
    shares = (
        select(Reaction.created_at, Object, Actor, sharer)
        .join(Follow, Follow.followee_id == Reaction.actor_id)
        .join(sharer, sharer.id == Reaction.actor_id)
        .join(Object, Object.uri == Reaction.object_uri)
        .join(Actor, Actor.id == Object.actor_id)
        .where(
            Follow.follower_id == actor_id,
            Follow.state == "accepted",
            Reaction.kind == "announce",
            Object.deleted_at.is_(None),
            Object.visibility.in_(READABLE),
            Actor.suspended_at.is_(None),
            sharer.suspended_at.is_(None),
        )
    )
    hidden = reblogs_hidden(await session.get(Actor, actor_id))
    if hidden:
        shares = shares.where(Reaction.actor_id.not_in(sorted(hidden)))
    if before is not None:
        shares = shares.where(Reaction.created_at < before)
    if after is not None:
        shares = shares.where(Reaction.created_at > after)
    shares = shares.order_by(*_order(Reaction.created_at, Reaction.id, ascending)).limit(limit)
    items += [Item(when, o, a, s) for when, o, a, s in await session.execute(shares)]
    items.sort(key=lambda item: item.when, reverse=not ascending)
    return items[:limit]


def _order(when: Any, row_id: Any, ascending: bool) -> tuple[Any, Any]:
    return (when, row_id) if ascending else (when.desc(), row_id.desc())


async def _public(
    session: AsyncSession,
    *,
    local_only: bool,
    before: datetime | None,
    limit: int,
    where: list[object],
    after: datetime | None = None,
    ascending: bool = False,
) -> list[Item]:
    query = (
        select(Object, Actor)
        .join(Actor, Actor.id == Object.actor_id)
        .where(Object.deleted_at.is_(None), Object.visibility.in_(LISTED), *where)  # type: ignore[arg-type]
        # Moderation: suspended accounts, silenced ones and silenced hosts stay out of public
        # timelines (as out of search); who follows them still sees them at home.
        .where(Actor.id.not_in(hidden_authors()))
    )
    if local_only:
        query = query.where(Object.is_local.is_(True))
    if before is not None:
        query = query.where(Object.published < before)
    if after is not None:
        query = query.where(Object.published > after)
    query = query.order_by(*_order(Object.published, Object.id, ascending)).limit(limit)
    return [Item(o.published, o, a) for o, a in await session.execute(query)]


async def centre(
    session: AsyncSession,
    *,
    before: datetime | None = None,
    limit: int = 20,
    after: datetime | None = None,
    ascending: bool = False,
) -> list[Item]:
    return await _public(
        session,
        local_only=True,
        before=before,
        limit=limit,
        where=[],
        after=after,
        ascending=ascending,
    )


async def network(
    session: AsyncSession,
    *,
    before: datetime | None = None,
    limit: int = 20,
    after: datetime | None = None,
    ascending: bool = False,
) -> list[Item]:
    return await _public(
        session,
        local_only=False,
        before=before,
        limit=limit,
        where=[],
        after=after,
        ascending=ascending,
    )


async def tagged(
    session: AsyncSession,
    tag: str,
    *,
    before: datetime | None = None,
    limit: int = 20,
    consenting_only: bool = False,
    after: datetime | None = None,
    ascending: bool = False,
) -> list[Item]:
    """Public objects, local and remote, carrying the hashtag `tag` (without its #, any case).
    `consenting_only` (the hashtag's feeds, a harvest channel): without the objects of actors
    who do not consent to indexing (storage/queries/consent.py).

    Tags are kept with each object in `recipients["tag"]` (federation/convert.py: tags_of),
    as `{"type": "Hashtag", "name": "#Welding", "href": ".../tags/welding"}`: the query looks
    for the quoted name in that JSON, or for an href ending in the name percent-encoded in
    lower case (how Mastodon and this node write them), walking objects newest first (the
    published index) until a page is full. The href is what finds `#Électricien` from
    `/tags/électricien` on SQLite, whose `lower()` leaves non-ASCII letters as they are."""
    text = func.lower(cast(Object.recipients, String))
    name = like_escaped(f'"#{tag.lower()}"')
    href = like_escaped(f'/tags/{quote(tag.lower(), safe="")}"'.lower())
    where: list[object] = [
        or_(text.like(f"%{name}%", escape="\\"), text.like(f"%{href}%", escape="\\"))
    ]
    if consenting_only:
        where.append(Object.actor_id.not_in(non_consenting_actors()))
    return await _public(
        session,
        local_only=False,
        before=before,
        limit=limit,
        where=where,
        after=after,
        ascending=ascending,
    )


def like_escaped(text: str) -> str:
    """`text` as a LIKE pattern matching itself (`%` of percent-encoding, `_` of names)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def replies(session: AsyncSession, uri: str, *, limit: int = 100) -> list[Item]:
    """Replies to `uri` that anyone may read, oldest first (a thread reads down)."""
    query = (
        select(Object, Actor)
        .join(Actor, Actor.id == Object.actor_id)
        .where(
            Object.in_reply_to == uri,
            Object.deleted_at.is_(None),
            Object.visibility.in_(READABLE),
            Actor.suspended_at.is_(None),
        )
        .order_by(Object.published, Object.id)
        .limit(limit)
    )
    return [Item(o.published, o, a) for o, a in await session.execute(query)]
