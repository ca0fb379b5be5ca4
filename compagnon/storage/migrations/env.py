"""Alembic environment: always given a live connection by compagnon.storage.migrate."""

from alembic import context

from compagnon.storage.models import Base, outside_models

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `compagnon migrate`, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
    # The full-text table/column are raw DDL (models.py: outside_models): never "drop" them.
    include_object=lambda _obj, name, type_, _reflected, _other: (
        not outside_models(name, type_, getattr(getattr(_obj, "table", None), "name", None))
    ),
)
with context.begin_transaction():
    context.run_migrations()
