"""The heart of a node: actors and the people who sign in, invites, objects and the activities
about them, follows, reactions, deliveries, peers, home timelines and reports."""

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
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from compagnon.storage.models.base import Base, BigId, utcnow


class Actor(Base):
    """Any ActivityPub actor we know: our own (is_local) or a cached remote one."""

    __tablename__ = "actors"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(255))
    domain: Mapped[str] = mapped_column(String(255), index=True)
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    inbox: Mapped[str] = mapped_column(String(2048), default="")
    outbox: Mapped[str] = mapped_column(String(2048), default="")
    shared_inbox: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    followers_url: Mapped[str] = mapped_column(String(2048), default="")
    following_url: Mapped[str] = mapped_column(String(2048), default="")
    url: Mapped[str] = mapped_column(String(2048), default="")
    icon_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    manually_approves_followers: Mapped[bool] = mapped_column(Boolean, default=False)
    public_key_id: Mapped[str] = mapped_column(String(2048), default="", index=True)
    public_key_pem: Mapped[str] = mapped_column(Text, default="")
    private_key_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Ed25519 key of local actors for FEP-8b32 integrity proofs (published in assertionMethod)
    proof_private_key_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    raw: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    fetched_at: Mapped[datetime | None] = mapped_column(nullable=True)
    gone_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Moderation (server/views/admin.py): a suspended actor cannot sign in (local) and its
    # posts are served to nobody; a silenced one is kept out of public lists and search.
    suspended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    silenced_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Consent (Mastodon's toot:indexable / toot:discoverable, migration 0016): False when the
    # actor's document says so; such an actor is not listed, harvested nor counted by name
    # (domain/consent.py). None: the document says nothing.
    indexable: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    discoverable: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Profile fields (migration 0029; federation/profile_fields.py): [{"name": text,
    # "value": sanitised HTML}], a peer's read from its `attachment`; None: none.
    profile_fields: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_actors_local_username", "is_local", "username"),
        # The few actors that moderation hides and those that do not consent to indexing
        # (migration 0031): every search, OAI page and statistics query leaves their ids out,
        # and without these a national aggregator's thousands of actors were scanned each
        # time (2-3.6 ms per OAI page at 3,000 actors). The predicates are written as the
        # queries write them (storage/queries/statistics_counts.py: moderated, consent.py:
        # opted_out), so that both databases see the index applies.
        Index(
            "ix_actors_moderated",
            "id",
            postgresql_where=text("suspended_at IS NOT NULL OR silenced_at IS NOT NULL"),
            sqlite_where=text("suspended_at IS NOT NULL OR silenced_at IS NOT NULL"),
        ),
        Index(
            "ix_actors_opted_out",
            "id",
            postgresql_where=text("indexable IS false OR discoverable IS false"),
            sqlite_where=text("indexable IS 0 OR discoverable IS 0"),
        ),
    )


ROLES = ("trainer", "moderator", "admin")


class User(Base):
    """A person who logs in to this node, with a role: trainer, moderator (the moderation
    pages) or admin (everything). Owns one local actor."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16), default="trainer")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Interface language chosen on /settings (migration 0015); None: as the browser asks.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)

    # The boolean this column replaced (migration 0013), kept for the code that asks it.
    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @is_admin.setter
    def is_admin(self, value: bool) -> None:
        self.role = "admin" if value else "trainer"


class Invite(Base):
    """A sign-up link made by an admin: one use, an expiry, a role. Only the token's SHA-256
    is kept, so the table read by someone else gives no working link."""

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="trainer")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    used_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Object(Base):
    """A post or resource, ours or a peer's. A deleted one keeps its row as a tombstone."""

    __tablename__ = "objects"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    content: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    summary: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(2048), nullable=True, index=True)
    recipients: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"to": [...], "cc": [...]}
    raw: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    published: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # --- Bulk export (compagnon/handover/export.py; migration 0019) ---
    # When this node last changed the row (stored, edited, deleted): set on every insert and
    # update, ORM or Core, so the export's (changed_at, id) cursor sees every change, a peer's
    # resource received today with last year's dates too. Null only before the migration.
    changed_at: Mapped[datetime | None] = mapped_column(
        nullable=True, default=utcnow, onupdate=utcnow
    )

    __table_args__ = (Index("ix_objects_changed_at_id", "changed_at", "id"),)


class Activity(Base):
    """Every activity sent or received, raw. Inbound ones are processed by the worker."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    actor_uri: Mapped[str] = mapped_column(String(2048), index=True)
    object_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True, index=True)
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    raw: Mapped[dict[str, Any]] = mapped_column()
    # inbound: pending → done | failed; outbound: done at once
    state: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The id of the HTTP request that brought it (compagnon/logs.py), for the worker's logs.
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("ix_activities_state_id", "state", "id"),)


class Follow(Base):
    __tablename__ = "follows"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    followee_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), index=True
    )
    activity_uri: Mapped[str] = mapped_column(String(2048))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | accepted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The follower asked to be told of each new post (Mastodon's `notify`, migration 0030).
    notify: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (UniqueConstraint("follower_id", "followee_id"),)


class Reaction(Base):
    """A Like or an Announce (boost) of an object, by any actor."""

    __tablename__ = "reactions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # like | announce
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    object_uri: Mapped[str] = mapped_column(String(2048), index=True)
    activity_uri: Mapped[str] = mapped_column(String(2048), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Home reads the shares of followed actors newest first (storage/queries/timelines.py).
    __table_args__ = (Index("ix_reactions_actor_created", "actor_id", "created_at"),)


class Delivery(Base):
    """One activity to one inbox: the outbound queue, retried as data."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    object_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True, index=True)
    inbox: Mapped[str] = mapped_column(String(2048))
    host: Mapped[str] = mapped_column(String(255), index=True)
    # pending → delivered | gave_up ; claimed rows carry claimed_by/claimed_until
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (
        UniqueConstraint("activity_id", "inbox"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
    )


class Peer(Base):
    """What we know of a remote host: blocked or not, reachable or not, what signs for it."""

    __tablename__ = "peers"
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # silenced: accepted, kept out of public lists and search; allowed: listed for the
    # allowlist-only mode (NodeFact "federation_mode" = "allowlist")
    silenced: Mapped[bool] = mapped_column(Boolean, default=False)
    allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    failing_since: Mapped[datetime | None] = mapped_column(nullable=True)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    last_success_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    signature_scheme: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class TimelineEntry(Base):
    """Materialised home timeline: one row per (user, object) pushed on arrival."""

    __tablename__ = "timeline_entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    object_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "object_id"),
        Index("ix_timeline_user_id", "user_id", "id"),
    )


class Report(Base):
    """A report (Flag) sent to this node's moderators by another server, or by a user here."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    activity_uri: Mapped[str] = mapped_column(String(2048), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    targets: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"uris": [...]}
    comment: Mapped[str] = mapped_column(Text, default="")  # sanitised text
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    forwarded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    action: Mapped[str] = mapped_column(String(32), default="")  # what the moderator did
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
