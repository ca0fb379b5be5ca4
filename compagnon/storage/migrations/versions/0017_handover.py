"""handover: the OAI-PMH repository's records and sets

Revision ID: 0017
Revises: 0020
Create Date: 2026-12-06 19:30:00

`handover_records` (one row per listed public object, with the datestamp harvesters page by
and a `deleted` flag: deleted records are kept) and `handover_sets` (its OAI sets). The
public listed objects already held are recorded, dated by their last edit or publication.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0017"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = compagnon.storage.models.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "handover_records",
        sa.Column("object_id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("actor_id", BIG_ID, nullable=False),
        sa.Column("datestamp", UTC_DATETIME, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_handover_records_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("object_id", name=op.f("pk_handover_records")),
    )
    op.create_index("ix_handover_records_datestamp", "handover_records", ["datestamp", "object_id"])
    op.create_index("ix_handover_records_actor_id", "handover_records", ["actor_id"])
    op.create_table(
        "handover_sets",
        sa.Column("set_spec", sa.String(length=64), nullable=False),
        sa.Column("object_id", BIG_ID, nullable=False),
        sa.Column("datestamp", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["handover_records.object_id"],
            name=op.f("fk_handover_sets_object_id_handover_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("set_spec", "object_id", name=op.f("pk_handover_sets")),
    )
    op.create_index(
        "ix_handover_sets_spec_datestamp", "handover_sets", ["set_spec", "datestamp", "object_id"]
    )
    op.create_index("ix_handover_sets_object_id", "handover_sets", ["object_id"])
    _record_held()


def _record_held() -> None:
    """Record the public listed objects already held (a batch at a time, never all rows)."""
    from compagnon.domain.consent import consents, flags_of
    from compagnon.handover.sets import country_of_actor_document, set_specs, shown_in_harvests

    def author_consents(actor_doc: object) -> bool:
        # Before 0016 the consent flags live only in the actor's stored document.
        return not isinstance(actor_doc, dict) or consents(*flags_of(actor_doc))

    bind = op.get_bind()
    objects = sa.table(
        "objects",
        sa.column("id", sa.Integer),
        sa.column("actor_id", sa.Integer),
        sa.column("type", sa.String),
        sa.column("raw", sa.JSON),
        sa.column("published", UTC_DATETIME),
        sa.column("updated", UTC_DATETIME),
        sa.column("deleted_at", UTC_DATETIME),
    )
    actors = sa.table("actors", sa.column("id", sa.Integer), sa.column("raw", sa.JSON))
    records = sa.table(
        "handover_records",
        sa.column("object_id", sa.Integer),
        sa.column("actor_id", sa.Integer),
        sa.column("datestamp", UTC_DATETIME),
        sa.column("deleted", sa.Boolean),
    )
    sets = sa.table(
        "handover_sets",
        sa.column("set_spec", sa.String),
        sa.column("object_id", sa.Integer),
        sa.column("datestamp", UTC_DATETIME),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(
                objects.c.id,
                objects.c.actor_id,
                objects.c.raw,
                objects.c.published,
                objects.c.updated,
                actors.c.raw,
            )
            .join(actors, actors.c.id == objects.c.actor_id)
            .where(
                objects.c.id > last,
                objects.c.deleted_at.is_(None),
                objects.c.type.in_(("LearningResource", "Question", "Module", "Journey")),
            )
            .order_by(objects.c.id)
            .limit(500)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        found = [r for r in rows if r[2] and shown_in_harvests(r[2], author_consents(r[5]))]
        if found:
            bind.execute(
                records.insert(),
                [
                    {
                        "object_id": r[0],
                        "actor_id": r[1],
                        "datestamp": r[4] or r[3],
                        "deleted": False,
                    }
                    for r in found
                ],
            )
            members = [
                {"set_spec": spec, "object_id": r[0], "datestamp": r[4] or r[3]}
                for r in found
                for spec in set_specs(r[2], country_of_actor_document(r[5]))
            ]
            if members:
                bind.execute(sets.insert(), members)


def downgrade() -> None:
    op.drop_index("ix_handover_sets_object_id", table_name="handover_sets")
    op.drop_index("ix_handover_sets_spec_datestamp", table_name="handover_sets")
    op.drop_table("handover_sets")
    op.drop_index("ix_handover_records_actor_id", table_name="handover_records")
    op.drop_index("ix_handover_records_datestamp", table_name="handover_records")
    op.drop_table("handover_records")
