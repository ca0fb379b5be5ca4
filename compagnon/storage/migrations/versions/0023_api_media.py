"""api media: the files apps upload through the Mastodon client API, one row per upload

Revision ID: 0023m
Revises: 0021
Create Date: 2026-12-07 10:00:00

`api_media` (server/api/media.py): Mastodon's MediaAttachment, an upload of one account with
its alt text, pointing at the content-addressed `media` row by hash, and at the status that
carries it once posted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0023m"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = compagnon.storage.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "api_media",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("object_id", BIG_ID, nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["actors.id"],
            name=op.f("fk_api_media_account_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_api_media_object_id_objects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_media")),
    )
    with op.batch_alter_table("api_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_media_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_media_object_id"), ["object_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_media_object_id"))
        batch_op.drop_index(batch_op.f("ix_api_media_account_id"))
    op.drop_table("api_media")
