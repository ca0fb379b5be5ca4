"""The hashtags this node knows, for the apps' search (`/api/v2/search`, server/api/search.py).

There is no table of tags: each object keeps its own in `recipients["tag"]` (timelines.py:
tagged), so the tags whose name starts with what was typed are read from the public posts
that carry one, newest first, at most `SCAN` of them: one query, bounded whatever the node
holds. A tag used only in posts older than the latest `SCAN` posts carrying tags of that
prefix is not found; what people are writing about now is. The week's counts (Mastodon's
`history`) come from the same posts, exact unless the `SCAN` posts do not reach back a week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final
from urllib.parse import quote

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain import hashtags
from compagnon.storage.models import Object
from compagnon.storage.queries.search import hidden_authors
from compagnon.storage.queries.timelines import LISTED, like_escaped

SCAN: Final = 500
DAYS: Final = 7


@dataclass
class KnownTag:
    """A hashtag as first seen among the posts read, and its use on each of the last days."""

    name: str
    posts: int = 0
    uses: dict[date, int] = field(default_factory=dict)
    accounts: dict[date, set[int]] = field(default_factory=dict)


async def starting_with(
    session: AsyncSession, prefix: str, *, limit: int, now: datetime | None = None
) -> list[KnownTag]:
    """The hashtags of public posts whose name starts with `prefix` (without `#`, in NFKC;
    case and Unicode form aside): the exact name first, then the most used, at most `limit`."""
    wanted = hashtags.key(prefix)
    if not wanted:
        return []
    # The same two ways in as `timelines.tagged`, without the closing quote: the name in the
    # JSON, or the href (what finds a non-ASCII name on SQLite, which escapes it in the JSON).
    text = func.lower(cast(Object.recipients, String))
    name = like_escaped(f'"#{prefix.lower()}')
    href = like_escaped(f"/tags/{quote(prefix.lower(), safe='')}".lower())
    rows = await session.execute(
        select(Object.recipients, Object.actor_id, Object.published)
        .where(
            Object.deleted_at.is_(None),
            Object.visibility.in_(LISTED),
            Object.actor_id.not_in(hidden_authors()),
            or_(text.like(f"%{name}%", escape="\\"), text.like(f"%{href}%", escape="\\")),
        )
        .order_by(Object.published.desc(), Object.id.desc())
        .limit(SCAN)
    )
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    found: dict[str, KnownTag] = {}
    for recipients, actor_id, published in rows:
        day = published.astimezone(UTC).date()
        for tag_name in _hashtag_names(recipients):
            key = hashtags.key(tag_name)
            if not key.startswith(wanted):
                continue
            known = found.setdefault(key, KnownTag(tag_name))
            known.name = tag_name  # rows come newest first: the oldest spelling stays
            known.posts += 1
            if (today - day).days < DAYS:
                known.uses[day] = known.uses.get(day, 0) + 1
                known.accounts.setdefault(day, set()).add(actor_id)
    ranked = sorted(found.items(), key=lambda item: (item[0] != wanted, -item[1].posts, item[0]))
    return [known for _key, known in ranked[:limit]]


def _hashtag_names(recipients: object) -> list[str]:
    """The names (without `#`, in NFKC) of the Hashtag entries of an object's `tag`."""
    tags = recipients.get("tag") if isinstance(recipients, dict) else None
    names: dict[str, str] = {}  # a peer may list one tag twice: one post is one use
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, dict) and tag.get("type") == "Hashtag":
            name = hashtags.normalised(str(tag.get("name") or "").lstrip("#\uff03"))
            if name is not None:
                names.setdefault(hashtags.key(name), name)
    return list(names.values())


def week(today: date) -> list[date]:
    """The days of Mastodon's `history`: today first, then each day before."""
    return [today - timedelta(days=n) for n in range(DAYS)]
