"""handover set columns: a record's country, field and level move onto the record

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 02:00:00

`handover_records.country`, `.isced`, `.eqf` and `.languages` (handover/sets.py:
Membership), each of the first three with its (value, datestamp, object id) index, so a
harvest of `isced:0715` is one index range of the records. `handover_sets` keeps only the
language rows (`lang:fr`: a record may have several languages). Every received record wrote
6-8 set rows beside its record; it now writes one per language. Filled from the set rows
already held, then the rows no longer needed are removed: no document is read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (column, set prefix)
MOVED = (("country", "country:"), ("isced", "isced:"), ("eqf", "eqf:"))


def upgrade() -> None:
    with op.batch_alter_table("handover_records") as batch:
        batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("isced", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("eqf", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("languages", sa.Text(), nullable=True))
    for column, prefix in MOVED:
        value = f"substr(s.set_spec, {len(prefix) + 1})"
        if column == "eqf":
            value = f"CAST({value} AS INTEGER)"
        op.execute(
            f"UPDATE handover_records SET {column} = (SELECT {value} FROM handover_sets s "
            f"WHERE s.object_id = handover_records.object_id AND s.set_spec LIKE '{prefix}%' "
            "LIMIT 1)"
        )
    joined = (
        "string_agg(substr(s.set_spec, 6), ' ' ORDER BY s.set_spec)"
        if op.get_bind().dialect.name == "postgresql"
        else "group_concat(substr(s.set_spec, 6), ' ')"
    )
    op.execute(
        f"UPDATE handover_records SET languages = (SELECT {joined} FROM handover_sets s "
        "WHERE s.object_id = handover_records.object_id AND s.set_spec LIKE 'lang:%')"
    )
    op.execute("DELETE FROM handover_sets WHERE set_spec NOT LIKE 'lang:%'")
    for column, _ in MOVED:
        op.create_index(
            f"ix_handover_records_{column}",
            "handover_records",
            [column, "datestamp", "object_id"],
        )


def downgrade() -> None:
    for column, prefix in MOVED:
        op.execute(
            "INSERT INTO handover_sets (set_spec, object_id, datestamp) "
            f"SELECT '{prefix}' || {column}, object_id, datestamp FROM handover_records "
            f"WHERE {column} IS NOT NULL"
        )
        op.execute(
            "INSERT INTO handover_sets (set_spec, object_id, datestamp) "
            f"SELECT '{prefix[:-1]}', object_id, datestamp FROM handover_records "
            f"WHERE {column} IS NOT NULL"
        )
    op.execute(
        "INSERT INTO handover_sets (set_spec, object_id, datestamp) "
        "SELECT 'lang', object_id, datestamp FROM handover_records WHERE languages IS NOT NULL"
    )
    for column, _ in MOVED:
        op.drop_index(f"ix_handover_records_{column}", table_name="handover_records")
    # Not in batch mode: SQLite's batch recreates the table, and dropping the old one
    # deletes every set row through the foreign key's cascade. SQLite >= 3.35 drops a
    # column in place, as PostgreSQL does.
    for column in ("languages", "eqf", "isced", "country"):
        op.drop_column("handover_records", column)
