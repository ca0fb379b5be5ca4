"""national: consent read from the stored columns everywhere; country and centre facets

Revision ID: 0022
Revises: 0015
Create Date: 2026-12-06 20:30:00

Statistics and export used to read `indexable: false` from each actor's stored document;
they now read `actors.indexable` / `discoverable` (storage/queries/consent.py), which 0016
added empty. This fills them from the documents already held (remote actors only: a local
actor's flags are set by `compagnon indexing`), a batch at a time.

Search across the country (issue 11, item 7): `search_entries.host` (the origin node, "which
centre") and `country` (that node's country), each indexed with the sort key, filled for the
entries already held, whose full text gets the two facet tokens too (one UPDATE per host).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def upgrade() -> None:
    _fill_consent()
    with op.batch_alter_table("search_entries") as batch:
        batch.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))
    op.create_index("ix_search_entries_host", "search_entries", ["host", "sort_key"])
    op.create_index("ix_search_entries_country", "search_entries", ["country", "sort_key"])
    _fill_origins()


def _fill_origins() -> None:
    from compagnon.handover.records import COUNTRY_FACT
    from compagnon.handover.sets import country_of_actor_document
    from compagnon.storage.queries.search_indexing import facet_token

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    actors = sa.table(
        "actors",
        sa.column("id", sa.Integer),
        sa.column("domain", sa.String),
        sa.column("type", sa.String),
        sa.column("is_local", sa.Boolean),
        sa.column("raw", sa.JSON),
    )
    entries = sa.table(
        "search_entries",
        sa.column("actor_id", sa.Integer),
        sa.column("host", sa.String),
        sa.column("country", sa.String),
    )
    hosts = bind.execute(
        sa.select(actors.c.domain, sa.func.max(sa.cast(actors.c.is_local, sa.Integer)))
        .where(actors.c.id.in_(sa.select(entries.c.actor_id)))
        .group_by(actors.c.domain)
    ).all()
    fact = bind.execute(
        sa.text("SELECT value FROM node_facts WHERE key = :key"), {"key": COUNTRY_FACT}
    ).scalar()
    for host, local in hosts:
        country = None
        for (raw,) in bind.execute(
            sa.select(actors.c.raw).where(actors.c.domain == host, actors.c.type == "Organization")
        ):
            country = country or country_of_actor_document(raw)
        if country is None and local:
            country = country_of_actor_document({"country": fact or ""})
        bind.execute(
            entries.update()
            .where(entries.c.actor_id.in_(sa.select(actors.c.id).where(actors.c.domain == host)))
            .values(host=host, country=country)
        )
        tokens = " ".join(
            [facet_token("centre", host), *([facet_token("country", country)] if country else [])]
        )
        if postgresql:
            bind.execute(
                sa.text(
                    "UPDATE search_entries SET tsv = strip(tsv || to_tsvector('simple', :tokens))"
                    " WHERE host = :host"
                ),
                {"tokens": tokens, "host": host},
            )
        else:
            bind.execute(
                sa.text(
                    "UPDATE search_fts SET facets = facets || ' ' || :tokens WHERE rowid IN"
                    " (SELECT sort_key FROM search_entries WHERE host = :host)"
                ),
                {"tokens": tokens, "host": host},
            )


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
    # The consent flags stay (0016's columns); the facet tokens stay in the full text,
    # unused by the code of the revision before.
    op.drop_index("ix_search_entries_country", table_name="search_entries")
    op.drop_index("ix_search_entries_host", table_name="search_entries")
    with op.batch_alter_table("search_entries") as batch:
        batch.drop_column("country")
        batch.drop_column("host")
