"""interface language chosen by each account

Revision ID: 0015
Revises: 0016 (the head of main when merged; written on 0014)
Create Date: 2026-12-06 19:30:00

`users.language`: the interface language a person chose on /settings (or with `compagnon user
set-language`); NULL means "as my browser asks" (Accept-Language, then the node's default).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
