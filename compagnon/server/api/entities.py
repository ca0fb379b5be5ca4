"""Mastodon's JSON entities (Account, Status, Notification, Relationship) from our rows.

Ids are the database ids as strings. A learning resource is a Status whose content is its
readable text, with a `card` (title, description, link) and its files as media attachments;
its hashtags are the `tags`. Everything a page of statuses needs from the database is loaded
once (`load`) rather than per status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.safe_urls import http_url
from compagnon.federation import hashtags, social
from compagnon.operations.profile import hides_network
from compagnon.server.api import poll_entity
from compagnon.storage.models import Actor, Follow, Notification, Object, Reaction, utcnow
from compagnon.storage.queries import bookmarks
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries import objects as object_queries

VISIBILITY = {
    "public": "public",
    "unlisted": "unlisted",
    "followers": "private",
    "direct": "direct",
}
FROM_API_VISIBILITY = {v: k for k, v in VISIBILITY.items()}
NOTIFICATION_TYPES = {
    "follow": "follow",
    "follow_request": "follow_request",
    "reply": "mention",
    "mention": "mention",
    "like": "favourite",
    "share": "reblog",
    "poll": "poll",
    "update": "update",
    "status": "status",
}
IMAGE_TYPES = ("image/",)
VIDEO_TYPES = ("video/",)
AUDIO_TYPES = ("audio/",)


def iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def acct(actor: Actor) -> str:
    return actor.username if actor.is_local else f"{actor.username}@{actor.domain}"


def avatar(actor: Actor, base: str) -> str:
    return http_url(actor.icon_url) or f"{base}/static/icon-192.png"


async def account(
    session: AsyncSession, actor: Actor, base: str, *, source: bool = False
) -> dict[str, Any]:
    statuses = await object_queries.count_by_actor(session, actor.id)
    last = await session.scalar(
        select(func.max(Object.published)).where(
            Object.actor_id == actor.id, Object.deleted_at.is_(None)
        )
    )
    entity: dict[str, Any] = {
        "id": str(actor.id),
        "username": actor.username,
        "acct": acct(actor),
        "display_name": actor.name or actor.username,
        "locked": actor.manually_approves_followers,
        "bot": actor.type in ("Service", "Application"),
        "discoverable": actor.discoverable is not False,
        "indexable": actor.indexable is not False,
        "group": actor.type == "Group",
        "created_at": iso(actor.created_at),
        "note": actor.summary or "",
        "url": http_url(actor.url) or actor.uri,
        "uri": actor.uri,
        "avatar": avatar(actor, base),
        "avatar_static": avatar(actor, base),
        "header": f"{base}/static/icon-512.png",
        "header_static": f"{base}/static/icon-512.png",
        "followers_count": await follow_queries.count_followers(session, actor.id),
        "following_count": await follow_queries.count_following(session, actor.id),
        "statuses_count": statuses,
        "last_status_at": last.strftime("%Y-%m-%d") if last else None,
        "emojis": [],
        "fields": [
            {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": None}
            for f in actor.profile_fields or []
        ],
        "roles": [],
        # ours as she chose; a peer's unknown (Mastodon guesses it from the collections)
        "hide_collections": hides_network(actor) if actor.is_local else None,
    }
    if actor.suspended_at is not None:
        entity["suspended"] = True
    if source:
        entity["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": None,
            "note": Markup(actor.summary or "").striptags(),
            "fields": [
                {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": None}
                for f in (actor.raw or {}).get("fields_text", [])
                if isinstance(f, dict)
            ],
            "follow_requests_count": len(
                await follow_queries.followers(session, actor.id, state="pending")
            ),
        }
    return entity


@dataclass
class Loaded:
    """What a page of statuses needs besides the objects: counts, the viewer's reactions,
    the ids of the posts replied to, the accounts."""

    base: str
    viewer_id: int | None
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    replies: dict[str, int] = field(default_factory=dict)
    mine: set[tuple[str, str]] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)  # the viewer's, by object id
    parents: dict[str, tuple[int, int]] = field(default_factory=dict)
    accounts: dict[int, dict[str, Any]] = field(default_factory=dict)
    poll_choices: dict[int, list[str]] = field(default_factory=dict)  # the viewer's votes
    poll_counts: dict[int, dict[str, int]] = field(default_factory=dict)  # hers, if hidden
    now: datetime = field(default_factory=utcnow)


async def load(
    session: AsyncSession, objects: list[tuple[Object, Actor]], base: str, viewer_id: int | None
) -> Loaded:
    loaded = Loaded(base, viewer_id)
    uris = [o.uri for o, _a in objects]
    if not uris:
        return loaded
    reactions = await session.execute(
        select(Reaction.object_uri, Reaction.kind, func.count())
        .where(Reaction.object_uri.in_(uris))
        .group_by(Reaction.object_uri, Reaction.kind)
    )
    loaded.counts = {(uri, kind): int(n) for uri, kind, n in reactions}
    rows = await session.execute(
        select(Object.in_reply_to, func.count())
        .where(Object.in_reply_to.in_(uris), Object.deleted_at.is_(None))
        .group_by(Object.in_reply_to)
    )
    loaded.replies = {uri: int(n) for uri, n in rows if uri}
    if viewer_id is not None:
        loaded.mine = await social.my_reactions(session, viewer_id, uris)
        loaded.bookmarked = await bookmarks.among(session, viewer_id, [o.id for o, _a in objects])
    parents = {o.in_reply_to for o, _a in objects if o.in_reply_to}
    if parents:
        found = await session.execute(
            select(Object.uri, Object.id, Object.actor_id).where(Object.uri.in_(parents))
        )
        loaded.parents = {uri: (oid, aid) for uri, oid, aid in found}
    questions = [o.id for o, _a in objects if o.type == "Question"]
    loaded.poll_choices = await poll_entity.choices_of(session, questions, viewer_id)
    loaded.poll_counts = await poll_entity.owner_counts(
        session, [o for o, _a in objects], viewer_id
    )
    for _o, author in objects:
        if author.id not in loaded.accounts:
            loaded.accounts[author.id] = await account(session, author, base)
    return loaded


def _media_type(media_type: str | None) -> str:
    kind = media_type or ""
    if kind.startswith(IMAGE_TYPES):
        return "image"
    if kind.startswith(VIDEO_TYPES):
        return "video"
    if kind.startswith(AUDIO_TYPES):
        return "audio"
    return "unknown"


def _attachments(obj: Object) -> list[dict[str, Any]]:
    raw = obj.raw or {}
    items = raw.get("attachment")
    found: list[dict[str, Any]] = []
    for index, item in enumerate(items if isinstance(items, list) else [items]):
        if not isinstance(item, dict):
            continue
        url = http_url(item.get("url") if isinstance(item.get("url"), str) else item.get("href"))
        if not url:
            continue
        media_type = item.get("mediaType") if isinstance(item.get("mediaType"), str) else None
        name = item.get("name") if isinstance(item.get("name"), str) else None
        found.append(
            {
                "id": f"{obj.id}{index:03d}",
                "type": _media_type(media_type),
                "url": url,
                "preview_url": url if _media_type(media_type) == "image" else None,
                "remote_url": None if obj.is_local else url,
                "text_url": None,
                "meta": _meta(item),
                "description": name,
                "blurhash": None,
            }
        )
    return found


def _meta(item: dict[str, Any]) -> dict[str, Any]:
    """Mastodon's `meta` from the `width` and `height` a file carries on the wire."""
    width, height = item.get("width"), item.get("height")
    return file_meta(width, height) if type(width) is int and type(height) is int else {}


def file_meta(width: int | None, height: int | None) -> dict[str, Any]:
    """Mastodon's `meta` of an image of this size (empty when it is not known)."""
    if not width or not height or width < 0 or height < 0:
        return {}
    size = {"width": width, "height": height, "size": f"{width}x{height}"}
    return {"original": {**size, "aspect": round(width / height, 4)}}


def _tags(obj: Object, base: str) -> list[dict[str, str]]:
    tags = []
    for tag in (obj.recipients or {}).get("tag", []) or []:
        if isinstance(tag, dict) and tag.get("type") == "Hashtag":
            name = str(tag.get("name", "")).lstrip("#")
            if name:
                tags.append({"name": name, "url": hashtags.href(base, name)})
    return tags


def _mentions(obj: Object) -> list[dict[str, str]]:
    found = []
    for tag in (obj.recipients or {}).get("tag", []) or []:
        if isinstance(tag, dict) and tag.get("type") == "Mention" and tag.get("href"):
            name = str(tag.get("name", "")).lstrip("@")
            found.append(
                {"id": "0", "username": name.split("@")[0], "acct": name, "url": str(tag["href"])}
            )
    return found


def _card(obj: Object) -> dict[str, Any] | None:
    if obj.type != "LearningResource":
        return None
    description = Markup(obj.summary or "").striptags()
    if not description:
        descriptions = (obj.raw or {}).get("description")
        if isinstance(descriptions, dict) and descriptions:
            description = str(next(iter(descriptions.values())))
    return {
        "url": obj.uri,
        "title": obj.name or "",
        "description": description,
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": "",
        "provider_url": "",
        "html": "",
        "width": 0,
        "height": 0,
        "image": None,
        "embed_url": "",
        "blurhash": None,
        "language": obj.language,
    }


def _content(obj: Object) -> str:
    if obj.content:
        return obj.content
    parts = [f"<p><strong>{escape(obj.name)}</strong></p>"] if obj.name else []
    if obj.summary:
        parts.append(f"<p>{escape(Markup(obj.summary).striptags())}</p>")
    return "".join(parts)


def status(
    obj: Object, author: Actor, loaded: Loaded, *, shared_by: Actor | None = None
) -> dict[str, Any]:
    parent = loaded.parents.get(obj.in_reply_to or "")
    summary_is_body = obj.type == "LearningResource"
    entity: dict[str, Any] = {
        "id": str(obj.id),
        "uri": obj.uri,
        "url": http_url(obj.url) or obj.uri,
        "created_at": iso(obj.published),
        "edited_at": iso(obj.updated),
        "account": loaded.accounts[author.id],
        "content": poll_entity.question_text(obj) if obj.type == "Question" else _content(obj),
        "text": None,
        "visibility": VISIBILITY.get(obj.visibility, "public"),
        "sensitive": bool(
            (obj.raw or {}).get("sensitive") is True or (obj.summary and not summary_is_body)
        ),
        "spoiler_text": "" if summary_is_body else Markup(obj.summary or "").striptags(),
        "language": obj.language,
        "in_reply_to_id": str(parent[0]) if parent else None,
        "in_reply_to_account_id": str(parent[1]) if parent else None,
        "replies_count": loaded.replies.get(obj.uri, 0),
        "reblogs_count": loaded.counts.get((obj.uri, "announce"), 0),
        "favourites_count": loaded.counts.get((obj.uri, "like"), 0),
        "favourited": ("like", obj.uri) in loaded.mine,
        "reblogged": ("share", obj.uri) in loaded.mine,
        "muted": False,
        "bookmarked": obj.id in loaded.bookmarked,
        "pinned": False,
        "reblog": None,
        "application": None,
        "media_attachments": _attachments(obj),
        "mentions": _mentions(obj),
        "tags": _tags(obj, loaded.base),
        "emojis": [],
        "card": _card(obj),
        "poll": poll_entity.poll(
            obj,
            loaded.poll_choices.get(obj.id),
            is_owner=author.id == loaded.viewer_id,
            now=loaded.now,
            counts=loaded.poll_counts.get(obj.id),
        ),
        "filtered": [],
    }
    if shared_by is not None and shared_by.id in loaded.accounts:
        # A share (boost) in home: a status of the sharer wrapping the shared one. It has no
        # row of its own: its id is the shared post's (see ARCHITECTURE.md, server/api/).
        return {
            **entity,
            "account": loaded.accounts[shared_by.id],
            "reblog": entity,
            "content": "",
            "media_attachments": [],
            "card": None,
        }
    return entity


def version(
    obj: Object, account_entity: dict[str, Any], created_at: datetime | None
) -> dict[str, Any]:
    """One entry of a status's edit history (Mastodon's StatusEdit): `obj` holds the version,
    the current object or a transient copy carrying an earlier version's fields."""
    entity = status(obj, Actor(id=0), Loaded("", None, accounts={0: account_entity}))
    return {
        "content": entity["content"],
        "spoiler_text": entity["spoiler_text"],
        "sensitive": entity["sensitive"],
        "created_at": iso(created_at),
        "account": account_entity,
        "poll": None,
        "media_attachments": entity["media_attachments"],
        "emojis": [],
    }


def relationship(
    actor_id: int, mine: Follow | None, theirs: Follow | None, *, reblogs_hidden: bool = False
) -> dict[str, Any]:
    return {
        "id": str(actor_id),
        "following": mine is not None and mine.state == "accepted",
        "requested": mine is not None and mine.state == "pending",
        "followed_by": theirs is not None and theirs.state == "accepted",
        "requested_by": theirs is not None and theirs.state == "pending",
        "showing_reblogs": mine is not None and not reblogs_hidden,
        "notifying": mine is not None and mine.notify,
        "languages": None,
        "blocking": False,
        "blocked_by": False,
        "muting": False,
        "muting_notifications": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def notification(
    row: Notification, account_entity: dict[str, Any], status_entity: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "type": NOTIFICATION_TYPES[row.kind],
        "created_at": iso(row.created_at),
        "account": account_entity,
        "status": status_entity,
        "group_key": f"ungrouped-{row.id}",
    }
