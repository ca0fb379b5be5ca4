"""collection items

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-06 17:40:00

The ordered items of training modules and learning journeys (domain/collections.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collection_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "collection_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_uri", sa.String(length=2048), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["objects.id"],
            name=op.f("fk_collection_items_collection_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_items")),
        sa.UniqueConstraint(
            "collection_id",
            "phase",
            "position",
            name=op.f("uq_collection_items_collection_id"),
        ),
    )
    with op.batch_alter_table("collection_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collection_items_item_uri"), ["item_uri"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("collection_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_items_item_uri"))
    op.drop_table("collection_items")
