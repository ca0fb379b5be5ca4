"""The earlier versions of edited posts (table `status_edits`, migration 0025).

An edit calls `keep_version` before it changes the object: when the text, the content
warning, the title or the sensitive flag differ, the version being replaced is stored, in the
same transaction. An edit that rebuilds the object whole (a learning resource:
publish.update_resource) takes a `held` copy first and calls `keep` after. A poll's Update
that only carries new counts, or a change of language, makes no version (Mastodon keeps none
for them either)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import Object, StatusEdit


@dataclass(frozen=True)
class Version:
    """What an edit may change, as a comparable value."""

    content: str
    summary: str
    name: str
    sensitive: bool


def version_of(obj: Object) -> Version:
    return Version(
        obj.content or "",
        obj.summary or "",
        obj.name or "",
        (obj.raw or {}).get("sensitive") is True,
    )


def _attachments(obj: Object) -> list[Any]:
    found = (obj.raw or {}).get("attachment")
    if found is None:
        return []
    return list(found) if isinstance(found, list) else [found]


@dataclass(frozen=True)
class Held:
    """A version as it stood before an edit, with its files and the time it was made."""

    version: Version
    attachments: list[Any]
    made: datetime


def held(obj: Object) -> Held:
    """What `obj` holds now, to compare with once an edit has changed it."""
    return Held(version_of(obj), _attachments(obj), obj.updated or obj.published)


async def keep(session: AsyncSession, object_id: int, before: Held, new: Version) -> bool:
    """Store `before` when `new` differs from it; True when stored."""
    if before.version == new:
        return False
    session.add(
        StatusEdit(
            object_id=object_id,
            content=before.version.content,
            summary=before.version.summary,
            name=before.version.name,
            sensitive=before.version.sensitive,
            attachments=before.attachments,
            created_at=before.made,
        )
    )
    await session.flush()
    return True


async def keep_version(session: AsyncSession, obj: Object, new: Version) -> bool:
    """Store the version `obj` holds now when `new` differs from it; True when stored."""
    return await keep(session, obj.id, held(obj), new)


async def versions(session: AsyncSession, object_id: int) -> list[StatusEdit]:
    """The versions edits replaced, oldest first (the current one is the object)."""
    rows = await session.scalars(
        select(StatusEdit).where(StatusEdit.object_id == object_id).order_by(StatusEdit.id)
    )
    return list(rows)


def as_object(obj: Object, edit: StatusEdit) -> Object:
    """A transient copy of `obj` holding the earlier version `edit` (never added to a
    session), for what renders a post: the API's entities, the pages."""
    raw = {**(obj.raw or {}), "attachment": edit.attachments, "sensitive": edit.sensitive}
    return Object(
        id=obj.id,
        uri=obj.uri,
        type=obj.type,
        actor_id=obj.actor_id,
        is_local=obj.is_local,
        visibility=obj.visibility,
        content=edit.content,
        summary=edit.summary,
        name=edit.name,
        language=obj.language,
        recipients=obj.recipients,
        raw=raw,
        published=obj.published,
    )


async def last_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(StatusEdit.id))) or 0)


async def edited_since(session: AsyncSession, after_id: int, limit: int) -> list[tuple[int, int]]:
    """(edit id, object id) of the edits stored after `after_id`, oldest first."""
    rows = await session.execute(
        select(StatusEdit.id, StatusEdit.object_id)
        .where(StatusEdit.id > after_id)
        .order_by(StatusEdit.id)
        .limit(limit)
    )
    return [(int(i), int(o)) for i, o in rows]


async def forget(session: AsyncSession, object_ids: Sequence[int]) -> None:
    """A deleted post's earlier versions go with it."""
    if object_ids:
        await session.execute(delete(StatusEdit).where(StatusEdit.object_id.in_(object_ids)))
