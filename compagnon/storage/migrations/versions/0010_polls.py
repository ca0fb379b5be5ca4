"""polls

Revision ID: 0010
Revises: 0012
Create Date: 2026-12-06 17:30:00

Questions (quizzes, polls): `polls` holds our own Questions' end and Update schedule,
`poll_votes` every vote counted here (one row per voter and option).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0010"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("object_id", BIG_ID, nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("end_time", compagnon.storage.models.UTCDateTime(), nullable=True),
        sa.Column("update_due_at", compagnon.storage.models.UTCDateTime(), nullable=True),
        sa.Column("last_update_at", compagnon.storage.models.UTCDateTime(), nullable=True),
        sa.Column("closed_sent", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_polls_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("object_id", name=op.f("pk_polls")),
    )
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_polls_update_due_at"), ["update_due_at"])
    op.create_table(
        "poll_votes",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("question_id", BIG_ID, nullable=False),
        sa.Column("voter_id", BIG_ID, nullable=False),
        sa.Column("option", sa.String(length=1000), nullable=False),
        sa.Column("activity_uri", sa.String(length=2048), nullable=True),
        sa.Column("created_at", compagnon.storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["objects.id"],
            name=op.f("fk_poll_votes_question_id_objects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"],
            ["actors.id"],
            name=op.f("fk_poll_votes_voter_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_votes")),
        sa.UniqueConstraint(
            "question_id", "voter_id", "option", name=op.f("uq_poll_votes_question_id")
        ),
    )
    with op.batch_alter_table("poll_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_votes_voter_id"), ["voter_id"])


def downgrade() -> None:
    with op.batch_alter_table("poll_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_votes_voter_id"))
    op.drop_table("poll_votes")
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_polls_update_due_at"))
    op.drop_table("polls")
