"""mastodon api: OAuth apps, codes and tokens; idempotency keys of posted statuses

Revision ID: 0021
Revises: 0022
Create Date: 2026-12-06 20:10:00

The sign-in of phone apps through the Mastodon client API (server/api/oauth.py): registered
apps, authorization codes (with their PKCE challenge) and access tokens, all kept as SHA-256.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import compagnon.storage.models

revision: str = "0021"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = compagnon.storage.models.UTCDateTime


def _fk(column: str, table: str, owner: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "oauth_apps",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("website", sa.String(length=2048), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_apps")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_apps_client_id")),
    )
    op.create_table(
        "oauth_codes",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("app_id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("expires_at", WHEN(), nullable=False),
        sa.Column("used_at", WHEN(), nullable=True),
        _fk("app_id", "oauth_apps", "oauth_codes"),
        _fk("user_id", "users", "oauth_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_codes")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_oauth_codes_code_sha256")),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("app_id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=True),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("last_used_at", WHEN(), nullable=True),
        sa.Column("revoked_at", WHEN(), nullable=True),
        _fk("app_id", "oauth_apps", "oauth_tokens"),
        _fk("user_id", "users", "oauth_tokens"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_oauth_tokens_token_sha256")),
    )
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_tokens_user_id"), ["user_id"], unique=False)
    op.create_table(
        "api_idempotency",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("object_id", BIG_ID, nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        _fk("user_id", "users", "api_idempotency"),
        _fk("object_id", "objects", "api_idempotency"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_api_idempotency_user_id")),
    )


def downgrade() -> None:
    op.drop_table("api_idempotency")
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_tokens_user_id"))
    op.drop_table("oauth_tokens")
    op.drop_table("oauth_codes")
    op.drop_table("oauth_apps")
