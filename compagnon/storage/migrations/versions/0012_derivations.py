"""derivations

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-06 17:40:00.000000

Lineage of resources: one row per (source URI, derivative object), so a source's page lists
its remixes and translations, ours and our peers'.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "derivations",
        sa.Column("source_uri", sa.String(length=2048), nullable=False),
        sa.Column(
            "derivative_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("translation", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["derivative_id"],
            ["objects.id"],
            name=op.f("fk_derivations_derivative_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_uri", "derivative_id", name=op.f("pk_derivations")),
    )
    with op.batch_alter_table("derivations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_derivations_derivative_id"), ["derivative_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("derivations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_derivations_derivative_id"))
    op.drop_table("derivations")
