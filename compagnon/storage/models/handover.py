"""What the catalogue hands on (OAI-PMH records and sets), and aggregation: relays and the
provenance of every record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from compagnon.storage.models.base import Base, BigId, utcnow

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
    # The record's metadata, serialised once (handover/rendered.py, migration 0027): the
    # `oai_dc` and `lom` elements as UTF-8 bytes, and the rendering they were made for (node
    # address and name, format version). NULL until first read after the record changed.
    oai_dc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    lom: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    rendered_for: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The record's OAI sets (handover/sets.py: Membership; migration 0028): its node's
    # country, its ISCED-F field and EQF level, and its languages ("pt fr", primary first;
    # each also a `handover_sets` row). A parent set (`isced`) is "the column is set".
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    isced: Mapped[str | None] = mapped_column(String(4), nullable=True)
    eqf: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    languages: Mapped[str | None] = mapped_column(Text, nullable=True)

    # A harvest pages by (datestamp, object id): one index range per page, for the whole
    # repository and for a set by country, field or level.
    __table_args__ = (
        Index("ix_handover_records_datestamp", "datestamp", "object_id"),
        Index("ix_handover_records_actor_id", "actor_id"),  # an actor withdrawing consent
        *(
            Index(f"ix_handover_records_{name}", name, "datestamp", "object_id")
            for name in ("country", "isced", "eqf")
        ),
    )


class HandoverSet(Base):
    """A record's membership of one language set (`lang:fr`; a record may have several
    languages, unlike a country, field or level, which are columns of the record), with the
    record's datestamp copied, so a harvest of one language is one index range too."""

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
