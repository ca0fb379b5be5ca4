"""What a push says, as Mastodon writes it (its `Web::NotificationSerializer`): the access
token, the recipient's language, the notification's id and Mastodon type, the sender's
picture, a title ("Maria mentioned you") and a body (the post's text, or the follower's
profile), in the recipient's interface language. An app shows it as it comes, then reads
the notification through the API."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.safe_urls import http_url
from compagnon.federation.sanitize import html_to_text
from compagnon.i18n import _, current_language, supported
from compagnon.storage.models import Actor, Notification, Object, User
from compagnon.storage.queries.push import PUSH_TYPES

BODY_CHARS = 140  # Mastodon's truncation: a push service takes 4 KB in all


def title(push_type: str, name: str) -> str:
    """The push's title in the current language (`name`: who did it)."""
    titles = {
        "mention": _("{name} mentioned you", name=name),
        "follow": _("{name} followed you", name=name),
        "follow_request": _("{name} has requested to follow you", name=name),
        "favourite": _("{name} favourited your post", name=name),
        "reblog": _("{name} boosted your post", name=name),
        "poll": _("A poll has ended"),
        "update": _("{name} edited a post", name=name),
        "status": _("{name} just posted", name=name),
    }
    return titles.get(push_type, _("New notification"))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BODY_CHARS else text[: BODY_CHARS - 1].rstrip() + "…"


async def build(
    session: AsyncSession,
    notification: Notification,
    *,
    access_token: str,
    base_url: str,
    default_language: str,
) -> bytes:
    """The JSON payload of one notification."""
    user = await session.scalar(select(User).where(User.actor_id == notification.recipient_id))
    language = supported((user.language if user else None) or default_language) or "en"
    sender = await session.get(Actor, notification.actor_id) if notification.actor_id else None
    obj = (
        await session.scalar(select(Object).where(Object.uri == notification.object_uri))
        if notification.object_uri
        else None
    )
    push_type = PUSH_TYPES.get(notification.kind, notification.kind)
    name = (sender.name or sender.username) if sender else ""
    if obj is not None and obj.deleted_at is None:
        body = html_to_text(obj.summary or obj.content or obj.name)
    else:
        body = html_to_text(sender.summary) if sender else ""
    token = current_language.set(language)
    try:
        payload: dict[str, Any] = {
            "access_token": access_token,
            "preferred_locale": language,
            "notification_id": str(notification.id),
            "notification_type": push_type,
            "icon": (http_url(sender.icon_url) if sender else None)
            or f"{base_url}/static/icon-192.png",
            "title": title(push_type, _clip(name)),
            "body": _clip(body),
        }
    finally:
        current_language.reset(token)
    return orjson.dumps(payload)
