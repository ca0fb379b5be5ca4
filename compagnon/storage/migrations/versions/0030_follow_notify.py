"""follow notify: follows.notify

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-09 10:00:00

`follows.notify` (boolean, false): the follower asked to be told of each new post of the
followed account (Mastodon's "notify", the bell on a profile; a `status` notification,
federation/social.py and federation/outbox/publish.py). Existing follows keep quiet.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default, on SQLite and PostgreSQL alike: no table
    # is recreated, no row rewritten on PostgreSQL 11+.
    op.add_column(
        "follows", sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    # Not in batch mode: SQLite's batch recreates the table, and dropping the old one would
    # cascade through the foreign keys (SQLite 3.35+ drops a column in place).
    op.drop_column("follows", "notify")
