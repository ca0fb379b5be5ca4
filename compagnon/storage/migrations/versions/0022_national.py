"""national: consent read from the stored columns everywhere

Revision ID: 0022
Revises: 0016
Create Date: 2026-12-06 20:30:00

Statistics and export used to read `indexable: false` from each actor's stored document;
they now read `actors.indexable` / `discoverable` (storage/queries/consent.py), which 0016
added empty. This fills them from the documents already held (remote actors only: a local
actor's flags are set by `compagnon indexing`), a batch at a time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def upgrade() -> None:
    _fill_consent()


def _fill_consent() -> None:
    from compagnon.domain.consent import flags_of

    bind = op.get_bind()
    actors = sa.table(
        "actors",
        sa.column("id", sa.Integer),
        sa.column("is_local", sa.Boolean),
        sa.column("raw", sa.JSON),
        sa.column("indexable", sa.Boolean),
        sa.column("discoverable", sa.Boolean),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(actors.c.id, actors.c.raw)
            .where(
                actors.c.id > last,
                actors.c.is_local.is_(False),
                actors.c.indexable.is_(None),
                actors.c.discoverable.is_(None),
            )
            .order_by(actors.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        for actor_id, raw in rows:
            if not isinstance(raw, dict):
                continue
            indexable, discoverable = flags_of(raw)
            if indexable is None and discoverable is None:
                continue
            bind.execute(
                actors.update()
                .where(actors.c.id == actor_id)
                .values(indexable=indexable, discoverable=discoverable)
            )


def downgrade() -> None:
    pass  # the flags stay: 0016's columns, read by the code of either revision
