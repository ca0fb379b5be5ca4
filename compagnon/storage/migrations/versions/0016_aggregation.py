"""aggregation: relay subscribers and subscriptions, provenance, consent flags

Revision ID: 0016
Revises: 0019
Create Date: 2026-12-06 19:30:00

The centre hands on its trainers' catalogue (no table: Announces are activities). An
aggregator relays (FEP-ae0c) to `relay_subscribers`; a node subscribed to relays keeps them in
`relay_subscriptions`; every received object has one `provenance` row (origin host, route,
first and last seen); actors carry their consent flags (`indexable`, `discoverable`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0016"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = compagnon.storage.models.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("indexable", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("discoverable", sa.Boolean(), nullable=True))
    op.create_table(
        "relay_subscribers",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("actor_id", BIG_ID, nullable=False),
        sa.Column("style", sa.String(length=16), nullable=False),
        sa.Column("follow_activity_uri", sa.String(length=2048), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_relay_subscribers_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_subscribers")),
        sa.UniqueConstraint("actor_id", name=op.f("uq_relay_subscribers_actor_id")),
    )
    op.create_table(
        "relay_subscriptions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("relay_uri", sa.String(length=2048), nullable=False),
        sa.Column("relay_actor_uri", sa.String(length=2048), nullable=True),
        sa.Column("style", sa.String(length=16), nullable=False),
        sa.Column("follow_activity_uri", sa.String(length=2048), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_subscriptions")),
        sa.UniqueConstraint(
            "follow_activity_uri", name=op.f("uq_relay_subscriptions_follow_activity_uri")
        ),
        sa.UniqueConstraint("relay_uri", name=op.f("uq_relay_subscriptions_relay_uri")),
    )
    op.create_table(
        "provenance",
        sa.Column("object_id", BIG_ID, nullable=False),
        sa.Column("origin_host", sa.String(length=255), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("via", sa.String(length=2048), nullable=True),
        sa.Column("first_seen", WHEN(), nullable=False),
        sa.Column("last_seen", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_provenance_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("object_id", name=op.f("pk_provenance")),
    )
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provenance_origin_host"), ["origin_host"])


def downgrade() -> None:
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provenance_origin_host"))
    op.drop_table("provenance")
    op.drop_table("relay_subscriptions")
    op.drop_table("relay_subscribers")
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.drop_column("discoverable")
        batch_op.drop_column("indexable")
