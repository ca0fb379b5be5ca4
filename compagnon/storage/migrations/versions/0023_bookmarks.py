"""bookmarks: statuses a local actor kept for later, through the Mastodon client API

Revision ID: 0023
Revises: 0023m
Create Date: 2026-12-07 10:00:00

Private to their owner and never federated (server/api/bookmarks.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0023"
down_revision: str | None = "0023m"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = compagnon.storage.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "bookmarks",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("actor_id", BIG_ID, nullable=False),
        sa.Column("object_id", BIG_ID, nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_bookmarks_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_bookmarks_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookmarks")),
        sa.UniqueConstraint("actor_id", "object_id", name=op.f("uq_bookmarks_actor_id")),
    )
    with op.batch_alter_table("bookmarks", schema=None) as batch_op:
        batch_op.create_index("ix_bookmarks_actor_id_id", ["actor_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookmarks_object_id"), ["object_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bookmarks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookmarks_object_id"))
        batch_op.drop_index("ix_bookmarks_actor_id_id")
    op.drop_table("bookmarks")
