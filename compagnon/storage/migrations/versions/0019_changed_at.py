"""changed_at: when this node last changed each object, for the bulk export's cursor

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 19:40:00

`objects.changed_at` is set on every insert and every update of the row (the models' default
and onupdate), so the paged AMB export (compagnon/handover/export.py) can hand out every
change since a cursor, a resource received today with last year's dates included. The objects
already held are dated by their deletion, last edit or publication; an index on
(changed_at, id) makes each page one index range.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.add_column(
            sa.Column("changed_at", compagnon.storage.models.UTCDateTime(), nullable=True)
        )
    op.execute("UPDATE objects SET changed_at = COALESCE(deleted_at, updated, published)")
    op.create_index("ix_objects_changed_at_id", "objects", ["changed_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_objects_changed_at_id", table_name="objects")
    with op.batch_alter_table("objects") as batch:
        batch.drop_column("changed_at")
