"""What an open stream hears (server/api/streaming.py carries it): each look at the database
gathers what is new since the stream's cursor and routes it to the streams subscribed.

Streams: `user` (home and notifications), `user:notification`, `public`, `public:local`,
`hashtag` and `hashtag:local` (one per tag). Events:

- `update`: a new status (a new home entry by id; a new public object by id);
- `notification`: a new notification by id, of every kind the API has a type for;
- `status.update`: an edited status, heard by the ids of `status_edits` (the version an
  edit replaced, written in the edit's transaction), its payload the status as it is now;
- `delete`: a deleted status, its payload the id as text. A deletion leaves a tombstone row
  with `deleted_at`; the stream looks at the rows changed in the last `SLACK` seconds (the
  `(changed_at, id)` index) and remembers which it announced, so a transaction that
  committed after a later one is not missed.

A status is heard on `user` when it is in the user's home (a `timeline_entries` row: their
own posts, what they follow, what names them), and on the public and hashtag streams when it
is public and its author not hidden by moderation. Everything is read from the database, so
what any process wrote (the web, the worker, the CLI) reaches every stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain import hashtags
from compagnon.server.api import entities
from compagnon.server.api.base import Caller
from compagnon.server.api.notifications import API_KINDS, _entity
from compagnon.storage.models import Actor, Notification, Object, TimelineEntry, utcnow
from compagnon.storage.queries import status_edits
from compagnon.storage.queries.search import hidden_authors

Stream = tuple[str, ...]  # ("user",), ("public:local",), ("hashtag", "welding")
Event = tuple[Stream, str, dict[str, Any] | str]  # stream, event, payload (a status id: text)

BATCH = 20
SLACK = timedelta(seconds=30)  # how late a deletion's transaction may commit and be heard
MAX_DELETIONS = 500  # looked at per poll
KINDS = tuple(k for kinds in API_KINDS.values() for k in kinds)
PUBLIC = ("public", "public:local", "hashtag", "hashtag:local")
USER = ("user", "user:notification")


def tag_name(given: str) -> str | None:
    """A hashtag as streams compare it (no `#`, lower case), or None when it is not one."""
    name = hashtags.page_name(given)
    return None if name is None else name.lower()


@dataclass
class Cursor:
    """Where an open stream is: the last ids it sent, and the deletions it announced. It
    starts at what exists when it opens."""

    entry: int = 0
    notification: int = 0
    public: int = 0
    edit: int = 0
    opened: datetime = field(default_factory=utcnow)
    announced: dict[int, datetime] = field(default_factory=dict)  # deleted ids → deleted_at


async def start(session: AsyncSession, cursor: Cursor, who: Caller | None) -> None:
    cursor.opened = utcnow()
    cursor.public = int(await session.scalar(select(func.max(Object.id))) or 0)
    cursor.edit = await status_edits.last_id(session)
    if who is not None and who.user is not None and who.actor is not None:
        cursor.entry = int(
            await session.scalar(
                select(func.max(TimelineEntry.id)).where(TimelineEntry.user_id == who.user.id)
            )
            or 0
        )
        cursor.notification = int(
            await session.scalar(
                select(func.max(Notification.id)).where(Notification.recipient_id == who.actor.id)
            )
            or 0
        )


def _tags(obj: Object) -> set[str]:
    found = set()
    for tag in (obj.recipients or {}).get("tag", []) or []:
        if isinstance(tag, dict) and tag.get("type") == "Hashtag":
            name = tag_name(str(tag.get("name", "")))
            if name:
                found.add(name)
    return found


def _public_streams(obj: Object, streams: set[Stream]) -> list[Stream]:
    """The public and hashtag streams among `streams` a public status belongs to."""
    tags = _tags(obj) if any(s[0].startswith("hashtag") for s in streams) else set()
    wanted = []
    for stream in sorted(streams):
        name = stream[0]
        if name.endswith(":local") and not obj.is_local:
            continue
        if name in ("public", "public:local") or (
            name.startswith("hashtag") and stream[1:] and stream[1] in tags
        ):
            wanted.append(stream)
    return wanted


async def _in_home(session: AsyncSession, who: Caller | None, ids: list[int]) -> set[int]:
    """Which of the objects `ids` are in the caller's home timeline."""
    if not ids or who is None or who.user is None:
        return set()
    rows = await session.scalars(
        select(TimelineEntry.object_id).where(
            TimelineEntry.user_id == who.user.id, TimelineEntry.object_id.in_(ids)
        )
    )
    return set(rows)


async def _hidden(session: AsyncSession, actor_ids: set[int]) -> set[int]:
    if not actor_ids:
        return set()
    rows = await session.scalars(
        select(Actor.id).where(Actor.id.in_(actor_ids), Actor.id.in_(hidden_authors()))
    )
    return set(rows)


async def _home_updates(
    session: AsyncSession, cursor: Cursor, who: Caller, base: str
) -> list[Event]:
    assert who.user is not None and who.actor is not None
    rows = (
        await session.execute(
            select(TimelineEntry.id, Object, Actor)
            .join(Object, Object.id == TimelineEntry.object_id)
            .join(Actor, Actor.id == Object.actor_id)
            .where(TimelineEntry.user_id == who.user.id, TimelineEntry.id > cursor.entry)
            .order_by(TimelineEntry.id)
            .limit(BATCH)
        )
    ).all()
    if rows:
        cursor.entry = rows[-1][0]
    pairs = [(o, a) for _i, o, a in rows if o.deleted_at is None and a.suspended_at is None]
    loaded = await entities.load(session, pairs, base, who.actor.id)
    return [(("user",), "update", entities.status(o, a, loaded)) for o, a in pairs]


async def _notifications(
    session: AsyncSession, cursor: Cursor, who: Caller, base: str, stream: Stream
) -> list[Event]:
    assert who.user is not None and who.actor is not None
    rows = (
        await session.execute(
            select(Notification, Actor)
            .outerjoin(Actor, Actor.id == Notification.actor_id)
            .where(
                Notification.recipient_id == who.actor.id,
                Notification.id > cursor.notification,
            )
            .order_by(Notification.id)
            .limit(BATCH)
        )
    ).all()
    if rows:
        cursor.notification = rows[-1][0].id
    found: list[Event] = []
    for row, actor in rows:
        if row.kind in KINDS:
            entity = await _entity(session, row, actor, who.user, base)
            if entity is not None:
                found.append((stream, "notification", entity))
    return found


async def _public(
    session: AsyncSession, cursor: Cursor, who: Caller | None, base: str, streams: set[Stream]
) -> list[Event]:
    rows = (
        await session.execute(
            select(Object, Actor)
            .join(Actor, Actor.id == Object.actor_id)
            .where(
                Object.id > cursor.public,
                Object.deleted_at.is_(None),
                Object.visibility == "public",
                Actor.id.not_in(hidden_authors()),
            )
            .order_by(Object.id)
            .limit(BATCH)
        )
    ).all()
    if rows:
        cursor.public = rows[-1][0].id
    routed = [(o, a, _public_streams(o, streams)) for o, a in rows]
    routed = [(o, a, where) for o, a, where in routed if where]
    viewer = who.actor.id if who is not None and who.actor is not None else None
    loaded = await entities.load(session, [(o, a) for o, a, _w in routed], base, viewer)
    return [
        (stream, "update", entities.status(o, a, loaded))
        for o, a, where in routed
        for stream in where
    ]


async def _edits(
    session: AsyncSession, cursor: Cursor, who: Caller | None, base: str, streams: set[Stream]
) -> list[Event]:
    edits = await status_edits.edited_since(session, cursor.edit, BATCH)
    if not edits:
        return []
    cursor.edit = edits[-1][0]
    ids = list(dict.fromkeys(object_id for _e, object_id in edits))  # in edit order, once
    rows = (
        await session.execute(
            select(Object, Actor)
            .join(Actor, Actor.id == Object.actor_id)
            .where(Object.id.in_(ids), Object.deleted_at.is_(None), Actor.suspended_at.is_(None))
        )
    ).all()
    by_id = {o.id: (o, a) for o, a in rows}
    home = await _in_home(session, who, ids) if ("user",) in streams else set()
    hidden = await _hidden(session, {a.id for _o, a in rows})
    routed: list[tuple[Object, Actor, list[Stream]]] = []
    for object_id in ids:
        if object_id not in by_id:
            continue
        obj, author = by_id[object_id]
        where: list[Stream] = [("user",)] if object_id in home else []
        if obj.visibility == "public" and author.id not in hidden:
            where += _public_streams(obj, streams)
        if where:
            routed.append((obj, author, where))
    viewer = who.actor.id if who is not None and who.actor is not None else None
    loaded = await entities.load(session, [(o, a) for o, a, _w in routed], base, viewer)
    return [
        (stream, "status.update", entities.status(o, a, loaded))
        for o, a, where in routed
        for stream in where
    ]


async def _deletions(
    session: AsyncSession, cursor: Cursor, who: Caller | None, streams: set[Stream]
) -> list[Event]:
    since = max(cursor.opened, utcnow() - SLACK)
    cursor.announced = {i: when for i, when in cursor.announced.items() if when >= since}
    rows = (
        await session.execute(
            select(Object)
            .where(
                # deleted_at ≤ changed_at (set at the flush that writes it): the index range
                and_(Object.changed_at >= since, Object.deleted_at >= since),
                Object.type != "Tombstone",  # a Delete of something never held
            )
            .order_by(Object.deleted_at, Object.id)
            .limit(MAX_DELETIONS)
        )
    ).scalars()
    fresh = [o for o in rows if o.id not in cursor.announced and o.deleted_at is not None]
    if not fresh:
        return []
    for obj in fresh:
        assert obj.deleted_at is not None
        cursor.announced[obj.id] = obj.deleted_at
    home = await _in_home(session, who, [o.id for o in fresh]) if ("user",) in streams else set()
    hidden = await _hidden(session, {o.actor_id for o in fresh})
    found: list[Event] = []
    for obj in fresh:
        where: list[Stream] = [("user",)] if obj.id in home else []
        if obj.visibility == "public" and obj.actor_id not in hidden:
            where += _public_streams(obj, streams)
        found += [(stream, "delete", str(obj.id)) for stream in where]
    return found


async def collect(
    session: AsyncSession, streams: set[Stream], cursor: Cursor, who: Caller | None, base: str
) -> list[Event]:
    """What is new for `streams` since `cursor` (which moves past it)."""
    found: list[Event] = []
    user = who is not None and who.user is not None
    if ("user",) in streams and user:
        assert who is not None
        found += await _home_updates(session, cursor, who, base)
    notified = [s for s in (("user",), ("user:notification",)) if s in streams]
    if notified and user:
        assert who is not None
        found += await _notifications(session, cursor, who, base, notified[0])
    public = {s for s in streams if s[0] in PUBLIC}
    if public:
        found += await _public(session, cursor, who, base, public)
    heard = {s for s in streams if s == ("user",) and user} | public
    if heard:
        found += await _edits(session, cursor, who, base, heard)
        found += await _deletions(session, cursor, who, heard)
    return found
