"""change notifications: triggers telling every process that shared state changed

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 20:30:00

On PostgreSQL (several processes may share the database), a peer's policy or reachability
changing, the federation mode changing, or an actor's key changing sends a NOTIFY on
`compagnon_changes` from the transaction that changed it (storage/notify.py listens). SQLite
nodes are one process: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PEERS_CHANGED = """
CREATE FUNCTION compagnon_peers_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('compagnon_changes', 'peers');
    RETURN NULL;
END $$ LANGUAGE plpgsql
"""
KEYS_CHANGED = """
CREATE FUNCTION compagnon_actor_keys_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('compagnon_changes', 'actor-keys ' || NEW.uri);
    RETURN NULL;
END $$ LANGUAGE plpgsql
"""
POLICY = ("blocked", "silenced", "allowed", "unreachable")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PEERS_CHANGED)
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in POLICY)
    op.execute(
        "CREATE TRIGGER peers_policy_updated AFTER UPDATE ON peers FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION compagnon_peers_changed()"
    )
    op.execute(
        "CREATE TRIGGER peers_policy_inserted AFTER INSERT ON peers FOR EACH ROW "
        "WHEN (NEW.blocked OR NEW.silenced OR NEW.allowed OR NEW.unreachable) "
        "EXECUTE FUNCTION compagnon_peers_changed()"
    )
    op.execute(
        "CREATE TRIGGER peers_deleted AFTER DELETE ON peers FOR EACH STATEMENT "
        "EXECUTE FUNCTION compagnon_peers_changed()"
    )
    op.execute(
        "CREATE TRIGGER federation_mode_changed AFTER INSERT OR UPDATE ON node_facts "
        "FOR EACH ROW WHEN (NEW.key = 'federation_mode') "
        "EXECUTE FUNCTION compagnon_peers_changed()"
    )
    op.execute(KEYS_CHANGED)
    op.execute(
        "CREATE TRIGGER actor_keys_changed AFTER UPDATE ON actors FOR EACH ROW "
        "WHEN (OLD.public_key_pem IS DISTINCT FROM NEW.public_key_pem "
        "OR OLD.gone_at IS DISTINCT FROM NEW.gone_at) "
        "EXECUTE FUNCTION compagnon_actor_keys_changed()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger, table in (
        ("peers_policy_updated", "peers"),
        ("peers_policy_inserted", "peers"),
        ("peers_deleted", "peers"),
        ("federation_mode_changed", "node_facts"),
        ("actor_keys_changed", "actors"),
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS compagnon_peers_changed()")
    op.execute("DROP FUNCTION IF EXISTS compagnon_actor_keys_changed()")
