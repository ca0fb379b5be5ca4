"""social: notifications, replies by their parent

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 17:45:00

Notifications of local actors (follows, replies, likes, shares, mentions ...), an index of
objects by `in_reply_to` (an object page shows its thread without a scan) and one of
reactions by actor and time (home merges the shares of followed actors).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("recipient_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", BIG_ID, nullable=True),
        sa.Column("object_uri", sa.String(length=2048), nullable=True),
        sa.Column("read_at", compagnon.storage.models.UTCDateTime(), nullable=True),
        sa.Column("created_at", compagnon.storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_notifications_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["actors.id"],
            name=op.f("fk_notifications_recipient_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_recipient_id", ["recipient_id", "id"])
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objects_in_reply_to"), ["in_reply_to"], unique=False)
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.create_index("ix_reactions_actor_created", ["actor_id", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("reactions", schema=None) as batch_op:
        batch_op.drop_index("ix_reactions_actor_created")
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objects_in_reply_to"))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_recipient_id")
    op.drop_table("notifications")
