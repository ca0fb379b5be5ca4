"""Lineage (remixes and translations), event times and attendance, and notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
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
