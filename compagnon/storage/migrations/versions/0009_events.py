"""events

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 17:35:00

Events (compagnon/domain/events.py): when each event takes place (`event_times`, one row per
event object, for listing upcoming events) and the answers to them (`attendances`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "event_times",
        sa.Column("object_id", BIG_ID, nullable=False),
        sa.Column("start_at", compagnon.storage.models.UTCDateTime(), nullable=False),
        sa.Column("end_at", compagnon.storage.models.UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("words", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_event_times_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("object_id", name=op.f("pk_event_times")),
    )
    with op.batch_alter_table("event_times", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_times_start_at"), ["start_at"], unique=False)
    op.create_table(
        "attendances",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("event_uri", sa.String(length=2048), nullable=False),
        sa.Column("actor_id", BIG_ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("activity_uri", sa.String(length=2048), nullable=False),
        sa.Column("answered_at", compagnon.storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_attendances_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendances")),
        sa.UniqueConstraint("event_uri", "actor_id", name=op.f("uq_attendances_event_uri")),
    )
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendances_event_uri"), ["event_uri"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendances_event_uri"))
    op.drop_table("attendances")
    with op.batch_alter_table("event_times", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_times_start_at"))
    op.drop_table("event_times")
