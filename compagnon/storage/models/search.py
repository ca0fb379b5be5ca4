"""The search index (faceted, full text): one entry per listed object and its terms, the
statistics counts kept with it; the full-text structures made outside the models by
migration 0005."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from compagnon.storage.models.base import Base, BigId


class SearchEntry(Base):
    """One learning resource in the search index (storage/queries/search_indexing.py): its facets,
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
