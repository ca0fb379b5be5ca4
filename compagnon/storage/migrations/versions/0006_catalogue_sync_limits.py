"""catalogue sync limits

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 16:30:00.000000

What a catalogue sync has read, against the limits of federation/sync_limits.py (items,
bytes, pages in a row with nothing to import, a page passed to notice a `next` that loops
back), and what stopped it (state `stopped`): the limit and its value then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # server defaults fill the rows already there (ALTER TABLE ADD COLUMN on both databases)
    with op.batch_alter_table("sync_jobs") as batch:
        batch.add_column(sa.Column("items", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("bytes_read", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("empty_pages", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("checkpoint_url", sa.String(length=2048), nullable=True))
        batch.add_column(sa.Column("stopped_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("stop_limit", sa.BigInteger(), nullable=True))
    # Jobs counted before this migration: what they read so far is what they imported,
    # already held and skipped.
    op.execute("UPDATE sync_jobs SET items = imported + known + skipped")


def downgrade() -> None:
    with op.batch_alter_table("sync_jobs") as batch:
        for column in (
            "stop_limit",
            "stopped_by",
            "checkpoint_url",
            "empty_pages",
            "bytes_read",
            "items",
        ):
            batch.drop_column(column)
