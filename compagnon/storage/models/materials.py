"""Teaching material beyond posts: stored files, questions and their votes, the items of modules
and journeys, node facts, and catalogue sync jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
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
