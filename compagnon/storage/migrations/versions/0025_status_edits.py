"""status edits: the earlier versions of an edited post

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-08 10:00:00

`status_edits` (storage/queries/status_edits.py): one row per version an edit replaced, for
the client API's `/history`, the post's versions page, and the streaming API's
`status.update` events (new rows, by id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0025"
# The lead relinks at merge: this branch's head was 0023 (0021 → 0023m → 0023).
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = compagnon.storage.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "status_edits",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("object_id", BIG_ID, nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("replaced_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_status_edits_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_edits")),
    )
    with op.batch_alter_table("status_edits", schema=None) as batch_op:
        batch_op.create_index("ix_status_edits_object_id_id", ["object_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_edits", schema=None) as batch_op:
        batch_op.drop_index("ix_status_edits_object_id_id")
    op.drop_table("status_edits")
