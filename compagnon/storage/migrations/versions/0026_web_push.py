"""web push: the apps' push subscriptions and the queue of pushes to send

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 23:00:00

One subscription per access token (server/api/push.py); one queued row per notification and
subscription, sent by the worker (compagnon/push/sender.py). The node's VAPID key pair is a
node fact written on first use, not a table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = compagnon.storage.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("token_id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("endpoint", sa.String(length=2048), nullable=False),
        sa.Column("p256dh", sa.String(length=128), nullable=False),
        sa.Column("auth", sa.String(length=64), nullable=False),
        sa.Column("standard", sa.Boolean(), nullable=False),
        sa.Column("alerts", sa.Text(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("sealed_token", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["oauth_tokens.id"],
            name=op.f("fk_push_subscriptions_token_id_oauth_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_push_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("token_id", name=op.f("uq_push_subscriptions_token_id")),
    )
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_push_subscriptions_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "push_deliveries",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("subscription_id", BIG_ID, nullable=False),
        sa.Column("notification_id", BIG_ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN(), nullable=False),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("claimed_until", WHEN(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["push_subscriptions.id"],
            name=op.f("fk_push_deliveries_subscription_id_push_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_push_deliveries_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_deliveries")),
    )
    with op.batch_alter_table("push_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_push_deliveries_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_push_deliveries_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_push_deliveries_notification_id"), ["notification_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("push_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_deliveries_notification_id"))
        batch_op.drop_index(batch_op.f("ix_push_deliveries_subscription_id"))
        batch_op.drop_index("ix_push_deliveries_due")
    op.drop_table("push_deliveries")
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_subscriptions_user_id"))
    op.drop_table("push_subscriptions")
