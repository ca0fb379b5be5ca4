"""handover rendered metadata: each OAI record's oai_dc and LOM, serialised once

Revision ID: 0027
Revises: 0024
Create Date: 2026-12-06 23:50:00

`handover_records.oai_dc`, `.lom` (the metadata elements as UTF-8 bytes) and `.rendered_for`
(the rendering they were made for: node address and name, format version), so a ListRecords
page is one read plus concatenation (handover/rendered.py). Not filled here: existing records
are rendered on their first read and stored then. Filling here would render every record
(about 1 ms each: 17 minutes at a million records) inside the upgrade, without the node's
address and name at hand; a NULL costs the first harvest what every harvest cost before.
Adding nullable columns without a default rewrites no row (SQLite, PostgreSQL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("handover_records") as batch:
        batch.add_column(sa.Column("oai_dc", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("lom", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("rendered_for", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # Not in batch mode: SQLite's batch recreates the table, and dropping the old one
    # deletes every `handover_sets` row through the foreign key's cascade. SQLite >= 3.35
    # drops a column in place, as PostgreSQL does.
    for column in ("rendered_for", "lom", "oai_dc"):
        op.drop_column("handover_records", column)
