"""SQLAlchemy 2 typed models: the tables of a node.

The same models serve SQLite and PostgreSQL. Every change here needs an Alembic migration in
storage/migrations/versions; tests/integration/test_migrations.py fails when the two disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no time zone, PostgreSQL does."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Stable constraint names so migrations work the same on SQLite (batch mode) and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER on SQLite (so SQLite keeps its rowid autoincrement).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_actors_local_username", "is_local", "username"),)


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


class Media(Base):
    """A stored file (compagnon/media/): content-addressed, one row per distinct content.
    A thumbnail is a row of its own, named by its file's `thumbnail_sha256`."""

    __tablename__ = "media"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True, index=True
    )
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Poll(Base):
    """A Question of ours (federation/outbox/quiz.py): when it ends, and when its counts are
    next due to go out as an Update (votes change them; Updates are sent at a bounded rate,
    as Mastodon does, and once more when it closes)."""

    __tablename__ = "polls"
    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True
    )
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)  # anyOf, else oneOf
    end_time: Mapped[datetime | None] = mapped_column(nullable=True)
    update_due_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    last_update_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_sent: Mapped[bool] = mapped_column(Boolean, default=False)


class PollVote(Base):
    """One choice of one voter on a Question: a vote a peer sent for one of ours, or a vote one
    of our trainers gave (on ours or on a remote one). The counts of our Questions are counted
    from these rows; one row per voter and option, so a vote cannot count twice."""

    __tablename__ = "poll_votes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    option: Mapped[str] = mapped_column(String(1000))
    activity_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("question_id", "voter_id", "option"),)


class CollectionItem(Base):
    """One item of a module or of a journey's phase (domain/collections.py), in order: the
    membership pages and search read without opening documents. The collection itself is an
    Object (type Module or Journey) keeping its whole document in `raw`."""

    __tablename__ = "collection_items"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(16), default="")  # "" for a module
    position: Mapped[int] = mapped_column(Integer)
    item_uri: Mapped[str] = mapped_column(String(2048), index=True)

    __table_args__ = (UniqueConstraint("collection_id", "phase", "position"),)


class NodeFact(Base):
    """Small key/value facts of the node itself (e.g. the instance actor's id)."""

    __tablename__ = "node_facts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncJob(Base):
    """Catalogue sync of one remote actor: its outbox paged through and imported by the
    worker (federation/catalogue.py). One row per actor; re-syncing re-queues the same row.
    `next_url` is the page to fetch next (None: start at the outbox itself), saved in the
    transaction that imports the page before it, so a restart resumes where it stopped."""

    __tablename__ = "sync_jobs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    outbox_url: Mapped[str] = mapped_column(String(2048))
    next_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    # pending (queued, running or waiting for a retry) → done | failed | stopped (a limit of
    # federation/sync_limits.py reached, or the outbox linked back to a page already read)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    # full: walk the whole collection; else (a re-sync) stop after a few pages with nothing new
    full: Mapped[bool] = mapped_column(Boolean, default=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    quiet_pages: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    known: Mapped[int] = mapped_column(Integer, default=0)  # already held (or tombstoned)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # What this walk has read, against the limits: outbox items, bytes of pages, pages in a
    # row with nothing to import, and a page it passed (to notice a `next` that loops back).
    items: Mapped[int] = mapped_column(Integer, default=0)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    empty_pages: Mapped[int] = mapped_column(Integer, default=0)
    checkpoint_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    stopped_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the limit
    stop_limit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # its value then
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failures since the last page
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (Index("ix_sync_jobs_due", "state", "next_attempt_at"),)


class SearchEntry(Base):
    """One learning resource in the search index (storage/queries/search.py): its facets,
    keyed by a sort key that orders newest first (domain/facets.py: sort_key)."""

    __tablename__ = "search_entries"
    sort_key: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), unique=True
    )
    actor_id: Mapped[int] = mapped_column(BigId)
    published: Mapped[datetime] = mapped_column()
    visibility: Mapped[str] = mapped_column(String(16))  # public | unlisted
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    eqf: Mapped[int | None] = mapped_column(Integer, nullable=True)
    isced: Mapped[str | None] = mapped_column(String(4), nullable=True)
    resource_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    licence: Mapped[str | None] = mapped_column(String(512), nullable=True)
    # --- Search across the country (issue 11, item 7; migration 0022) ---
    # The resource's origin node (its author's host, the "which centre" facet) and that
    # node's country (its centre's addressCountry; ours: the centre profile or `country`).
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)

    # (facet, sort key): one facet's newest resources are one index range read backwards.
    # (SQLite adds the rowid, the sort key, to any index; PostgreSQL needs it spelt out.)
    __table_args__ = (
        *(
            Index(f"ix_search_entries_{name}", name, "sort_key")
            for name in ("language", "eqf", "isced", "resource_type", "licence", "host", "country")
        ),
        # One author's entries (the statistics counts when consent or moderation changes,
        # the author's newest after a deletion; migration 0024).
        Index("ix_search_entries_actor", "actor_id", "published"),
    )


class StatisticsCount(Base):
    """The statistics page's counts, kept current as the search index is
    (storage/queries/statistics_counts.py): public entries of counted authors, by dimension
    (`field`, `eqf`, `language`, `licence`, `type`, `month`) and value ("" when not given),
    so the page reads a few hundred rows rather than grouping a million."""

    __tablename__ = "statistics_counts"
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class StatisticsAuthor(Base):
    """Per counted author: how many public entries, and the newest one's publication (active
    centres and trainers; resources per host and country). A row exists only while the author
    is counted and has entries: its presence is what the counts hold for that author."""

    __tablename__ = "statistics_authors"
    actor_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    resources: Mapped[int] = mapped_column(Integer, default=0)
    latest: Mapped[datetime] = mapped_column()


class SearchTerm(Base):
    """A competence a resource teaches, assesses, requires or is aligned to (many per
    resource). The sort key rides along so a competence's newest resources are one index
    range, read backwards."""

    __tablename__ = "search_terms"
    term: Mapped[str] = mapped_column(String(512), primary_key=True)
    sort_key: Mapped[int] = mapped_column(
        ForeignKey("search_entries.sort_key", ondelete="CASCADE"), primary_key=True, index=True
    )
    label: Mapped[str] = mapped_column(Text, default="")


# Full-text structures differ by database and are made by migration 0005 in raw DDL, outside
# these models: on SQLite the FTS5 virtual table `search_fts` (and the shadow tables SQLite
# makes for it, search_fts_data, _idx, _content, _docsize, _config); on PostgreSQL the
# `search_entries.tsv` tsvector column and its GIN index. Alembic cannot describe them, so the
# migration environment and the model/migration test leave them out of the comparison.
FULL_TEXT_TABLE = "search_fts"
FULL_TEXT_COLUMN = "tsv"
FULL_TEXT_INDEX = "ix_search_entries_tsv"


def outside_models(name: str | None, type_: str, parent: str | None = None) -> bool:
    """True for the database objects the models leave to raw DDL (above)."""
    if type_ == "table":
        return bool(name and name.startswith(FULL_TEXT_TABLE))
    if type_ == "column":
        return parent == "search_entries" and name == FULL_TEXT_COLUMN
    if type_ == "index":
        return name == FULL_TEXT_INDEX
    return False


class Derivation(Base):
    """A resource (ours or a peer's) naming another as its source: `isBasedOn` (a remix) or
    `translationOfWork` (a translation). Read by source, so a source's page lists its
    derivatives, remote ones included, with one indexed lookup (federation/lineage.py)."""

    __tablename__ = "derivations"
    source_uri: Mapped[str] = mapped_column(String(2048), primary_key=True)
    derivative_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    translation: Mapped[bool] = mapped_column(Boolean, default=False)


class EventTime(Base):
    """When an event (ours or a peer's, kept in `objects`) takes place, so upcoming events are
    listed by an index range; written where the object is stored (search_index.py)."""

    __tablename__ = "event_times"
    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True
    )
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # title and description in every language, lower case: what the event search matches
    words: Mapped[str] = mapped_column(Text, default="")


class Attendance(Base):
    """One actor's answer to an event: going (Accept), maybe (TentativeAccept), not going
    (Reject), or refused by the organiser (the event was full). One row per (event, actor):
    a later answer replaces the earlier one. The event is named by its id, so a local
    trainer's answer to a remote event is kept whether or not we hold the event."""

    __tablename__ = "attendances"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_uri: Mapped[str] = mapped_column(String(2048), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))  # going | maybe | not_going | refused
    activity_uri: Mapped[str] = mapped_column(String(2048))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event_uri", "actor_id"),)


class Notification(Base):
    """Something that happened to a local actor: a follow, a reply, a like ... Written by
    `storage/queries/notifications.py: notify`, read on /notifications."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), nullable=True
    )
    object_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_notifications_recipient_id", "recipient_id", "id"),)


# --- What the catalogue hands on to harvesters (compagnon/handover/; migration 0017) --------


class HandoverRecord(Base):
    """One record of the OAI-PMH repository: a listed public object (ours or a peer's) as
    harvesters see it. `datestamp` is when this node last changed the record (published
    here, received, edited, deleted), not the object's own date, so incremental harvests
    (`from`) see every change. A deleted object keeps its row with `deleted` set: the
    repository's deleted records are `persistent`."""

    __tablename__ = "handover_records"
    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    actor_id: Mapped[int] = mapped_column(BigId)
    datestamp: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    # A harvest pages by (datestamp, object id): one index range per page.
    __table_args__ = (
        Index("ix_handover_records_datestamp", "datestamp", "object_id"),
        Index("ix_handover_records_actor_id", "actor_id"),  # an actor withdrawing consent
    )


class HandoverSet(Base):
    """A record's membership of one OAI set (`country:PT`, `isced:0715`, `eqf:4`, `lang:fr`,
    and their parents `country`, `isced`, `eqf`, `lang`), with the record's datestamp
    copied, so a harvest of one set is one index range too."""

    __tablename__ = "handover_sets"
    set_spec: Mapped[str] = mapped_column(String(64), primary_key=True)
    object_id: Mapped[int] = mapped_column(
        ForeignKey("handover_records.object_id", ondelete="CASCADE"), primary_key=True
    )
    datestamp: Mapped[datetime] = mapped_column()

    __table_args__ = (
        Index("ix_handover_sets_spec_datestamp", "set_spec", "datestamp", "object_id"),
        Index("ix_handover_sets_object_id", "object_id"),
    )


# --- Aggregation (migration 0016): relays, provenance ---------------------------------------


class RelaySubscriber(Base):
    """A node subscribed to our relay actor (aggregator mode, FEP-ae0c): `litepub` (it
    followed the relay actor or its followers collection: it gets Announces) or `mastodon`
    (it followed as:Public: it gets signed originals forwarded)."""

    __tablename__ = "relay_subscribers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    style: Mapped[str] = mapped_column(String(16))  # litepub | mastodon
    follow_activity_uri: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RelaySubscription(Base):
    """A relay this node subscribed to (`compagnon relay subscribe`), in either style."""

    __tablename__ = "relay_subscriptions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    relay_uri: Mapped[str] = mapped_column(String(2048), unique=True)  # actor or inbox URL
    relay_actor_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    style: Mapped[str] = mapped_column(String(16))  # litepub | mastodon
    follow_activity_uri: Mapped[str] = mapped_column(String(2048), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | accepted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Provenance(Base):
    """Where a received object came from: its origin host, when it was first and last seen,
    and by which route (`direct` delivery, `catalogue` sync, `relay`, `centre` announce)."""

    __tablename__ = "provenance"
    object_id: Mapped[int] = mapped_column(
        ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True
    )
    origin_host: Mapped[str] = mapped_column(String(255), index=True)
    route: Mapped[str] = mapped_column(String(16))
    via: Mapped[str | None] = mapped_column(String(2048), nullable=True)  # relay or centre
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


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
