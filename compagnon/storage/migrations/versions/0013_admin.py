"""admin: roles, invites, suspension, silence, allowlist, report forwarding

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-06 17:50:00

`users.is_admin` becomes `users.role` (admins stay admins, everyone else is a trainer);
invites (one-use sign-up links); actors can be suspended or silenced; peers can be silenced or
listed for the allowlist-only mode; a report records whether it was forwarded and what was done.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0013"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = compagnon.storage.models.UTCDateTime()


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="trainer")
        )
    op.execute("UPDATE users SET role = 'admin' WHERE is_admin")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_admin")
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("suspended_at", WHEN, nullable=True))
        batch.add_column(sa.Column("silenced_at", WHEN, nullable=True))
    with op.batch_alter_table("peers") as batch:
        batch.add_column(
            sa.Column("silenced", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("allowed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("forwarded_at", WHEN, nullable=True))
        batch.add_column(
            sa.Column("action", sa.String(length=32), nullable=False, server_default="")
        )
    op.create_table(
        "invites",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN, nullable=True),
        sa.Column("used_by", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_invites_token_sha256")),
    )


def downgrade() -> None:
    op.drop_table("invites")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("action")
        batch.drop_column("forwarded_at")
    with op.batch_alter_table("peers") as batch:
        batch.drop_column("allowed")
        batch.drop_column("silenced")
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("silenced_at")
        batch.drop_column("suspended_at")
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE users SET is_admin = (role = 'admin')")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role")
