"""profile fields: actors.profile_fields

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 10:00:00

`actors.profile_fields` (JSON, nullable): a profile's name/value fields, a trainer's set
from an app (`update_credentials`' `fields_attributes`) and a peer's read from its actor
document's `attachment` (federation/profile_fields.py). Existing peers' fields appear when
their actor is next fetched or updated. A nullable column without a default rewrites no row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("profile_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: SQLite's batch recreates the table, and dropping the old one would
    # delete every row that refers to an actor through the foreign keys' cascades.
    op.drop_column("actors", "profile_fields")
