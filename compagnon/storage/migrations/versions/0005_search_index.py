"""search index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:30:00.000000

The facet tables are plain tables (models.SearchEntry, SearchTerm). The full text differs by
database, in raw DDL: an FTS5 table on SQLite whose rowid is the entry's sort key (with the
facet values as tokens, so one MATCH does any combination of filters), a
tsvector column with a GIN index on PostgreSQL ('simple': resources are multilingual, and
domain/facets.py already lower-cases and strips accents).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FACETS = ("language", "eqf", "isced", "resource_type", "licence")


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("sort_key", BigId, autoincrement=False, nullable=False),
        sa.Column("object_id", BigId, nullable=False),
        sa.Column("actor_id", BigId, nullable=False),
        sa.Column("published", compagnon.storage.models.UTCDateTime(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("eqf", sa.Integer(), nullable=True),
        sa.Column("isced", sa.String(length=4), nullable=True),
        sa.Column("resource_type", sa.String(length=64), nullable=True),
        sa.Column("licence", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_search_entries_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sort_key", name=op.f("pk_search_entries")),
        sa.UniqueConstraint("object_id", name=op.f("uq_search_entries_object_id")),
    )
    for column in FACETS:
        op.create_index(
            f"ix_search_entries_{column}", "search_entries", [column, "sort_key"], unique=False
        )
    op.create_table(
        "search_terms",
        sa.Column("term", sa.String(length=512), nullable=False),
        sa.Column("sort_key", BigId, nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sort_key"],
            ["search_entries.sort_key"],
            name=op.f("fk_search_terms_sort_key_search_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "sort_key", name=op.f("pk_search_terms")),
    )
    op.create_index(op.f("ix_search_terms_sort_key"), "search_terms", ["sort_key"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_entries ADD COLUMN tsv tsvector NOT NULL")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)")
    else:
        # Words are stored normalised (domain/facets.py), so the tokenizer only splits them;
        # `prefixes` holds their 3-8 letter prefixes and `facets` each facet value as one
        # token (storage/queries/search_indexing.py says why).
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(words, prefixes, facets, "
            "tokenize='unicode61')"
        )
    _index_existing_resources()


def _index_existing_resources() -> None:
    """Learning resources stored before this migration go into the index, 500 at a time.
    Uses the node's own index statements (storage/queries/search_indexing.py), so the rows are what
    publishing and the inbox write; if that module changes shape later, this backfill is
    the part of the migration to freeze."""
    from compagnon.storage.queries.search_indexing import index_statements

    bind = op.get_bind()
    objects = sa.table(
        "objects",
        sa.column("id", sa.Integer),
        sa.column("type", sa.String),
        sa.column("actor_id", sa.Integer),
        sa.column("published", compagnon.storage.models.UTCDateTime()),
        sa.column("deleted_at", compagnon.storage.models.UTCDateTime()),
        sa.column("raw", sa.JSON),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(objects.c.id, objects.c.published, objects.c.actor_id, objects.c.raw)
            .where(
                objects.c.id > last,
                objects.c.type == "LearningResource",
                objects.c.deleted_at.is_(None),
                objects.c.raw.is_not(None),
            )
            .order_by(objects.c.id)
            .limit(500)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        batch = [(r.id, r.published, r.actor_id, r.raw) for r in rows if isinstance(r.raw, dict)]
        for statement, params in index_statements(bind.dialect.name, batch):
            bind.execute(statement, params)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE search_fts")
    op.drop_index(op.f("ix_search_terms_sort_key"), table_name="search_terms")
    op.drop_table("search_terms")
    for column in FACETS:
        op.drop_index(f"ix_search_entries_{column}", table_name="search_entries")
    op.drop_table("search_entries")
