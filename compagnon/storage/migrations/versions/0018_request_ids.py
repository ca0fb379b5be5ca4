"""request ids: the HTTP request that brought each received activity

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-06 20:00:00

The worker's log lines about an activity carry the id of the inbox request that brought it
(compagnon/logs.py), so one activity can be followed from the POST to its handler.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("request_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("request_id")
