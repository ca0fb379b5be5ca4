"""What the Mastodon client API keeps: apps, codes and tokens, idempotency keys, uploads,
bookmarks, earlier versions of posts, and Web Push subscriptions with their queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from compagnon.storage.models.base import Base, BigId, utcnow

# --- The Mastodon client API's sign-in (server/api/oauth.py; migration 0021) --------------
# Phone apps register themselves (an OAuthApp), a trainer authorises one on the node's own
# page (a short-lived OAuthCode, bound to a PKCE challenge when the app sent one), and the app
# trades the code for an access token (OAuthToken). Secrets, codes and tokens are kept only as
# their SHA-256: the table read by someone else gives nothing that works.


class OAuthApp(Base):
    __tablename__ = "oauth_apps"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_sha256: Mapped[str] = mapped_column(String(64))
    redirect_uris: Mapped[str] = mapped_column(Text)  # one a line
    scopes: Mapped[str] = mapped_column(Text)  # space separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthCode(Base):
    __tablename__ = "oauth_codes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_apps.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scopes: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)  # S256
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)


class OAuthToken(Base):
    """An access token: a user's (authorization code) or the app's own (client
    credentials, user_id empty)."""

    __tablename__ = "oauth_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_apps.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ApiIdempotency(Base):
    """`Idempotency-Key` of POST /api/v1/statuses: the same key from the same user within a
    day answers with the status made the first time instead of posting twice."""

    __tablename__ = "api_idempotency"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    object_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key"),)


class ApiMedia(Base):
    """A file an app uploaded (POST /api/v2/media): Mastodon's MediaAttachment, one row per
    upload, so two accounts uploading the same bytes (one `media` row, content-addressed) each
    have their own id and alt text. It belongs to its uploader until a status carries it
    (`object_id`); only the uploader may attach it."""

    __tablename__ = "api_media"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    object_id: Mapped[int | None] = mapped_column(
        ForeignKey("objects.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Bookmark(Base):
    """A status a local actor kept for later (Mastodon's bookmarks, through the client API;
    migration 0023). Private: never federated, seen by its owner only."""

    __tablename__ = "bookmarks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    object_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # One bookmark per actor and status; the list pages by (actor_id, id).
    __table_args__ = (
        UniqueConstraint("actor_id", "object_id"),
        Index("ix_bookmarks_actor_id_id", "actor_id", "id"),
    )


class StatusEdit(Base):
    """An earlier version of a post (migration 0025): written, in the same transaction, when
    an edit replaces its text, content warning, title or sensitive flag (ours through
    `publish.update_note`, a peer's through the inbox's `on_update`). The current version is
    the object itself; `GET /api/v1/statuses/{id}/history` and the post's versions page list
    these, oldest first, then it. Removed with the post (search_index.forget)."""

    __tablename__ = "status_edits"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"))
    content: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML, as it was
    summary: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # The version's AS2 `attachment` list, as its document carried it.
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # When this version was made (the post's `updated`, or `published` for the first) ...
    created_at: Mapped[datetime] = mapped_column()
    # ... and when an edit replaced it: the streams hear edits by this table's ids.
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_status_edits_object_id_id", "object_id", "id"),)


# --- Web Push to phone apps (server/api/push.py, compagnon/push/; migration 0026) ----------


class PushSubscription(Base):
    """Where an app wants to hear of its user's notifications (Mastodon's Web Push
    subscription): one per access token, gone with the token. `p256dh` and `auth` are the
    app's keys (base64url) the pushes are encrypted to; `alerts` the Mastodon types it wants
    (space separated); `standard`: RFC 8291 aes128gcm, else the draft `aesgcm` Mastodon
    sends by default. `sealed_token`: the access token the payload carries (Mastodon's
    format), encrypted with the node secret (compagnon/push/tokens.py)."""

    __tablename__ = "push_subscriptions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_tokens.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2048))
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    standard: Mapped[bool] = mapped_column(Boolean, default=False)
    alerts: Mapped[str] = mapped_column(Text, default="")
    policy: Mapped[str] = mapped_column(String(16), default="all")
    sealed_token: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PushDelivery(Base):
    """One notification to push to one subscription: the push queue, retried as data like
    `deliveries` (compagnon/push/sender.py). A row is deleted once the push service took it;
    a row given up keeps its last error."""

    __tablename__ = "push_deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | gave_up
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_push_deliveries_due", "state", "next_attempt_at"),)
