"""Whose resources the statistics count and the bulk export hands on: one definition, so the
page, the JSON, the CSV, `compagnon catalogue stats` and `/export/amb` agree.

An actor counts unless moderation keeps it out of search (suspended, silenced, or on a
silenced host: storage/queries/search.py: hidden_authors), it is the node's own service actor
(an `Application`), or its actor document refuses indexing (`indexable: false`, Mastodon's
flag, read from the document this node keeps in `actors.raw`). When an actor-level
`indexable` column arrives (the aggregator work of issue 11), point `counted_actors` at it:
every caller goes through this function.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, select

from compagnon.storage.models import Actor
from compagnon.storage.queries.search import hidden_authors


def refuses_indexing(dialect: str) -> ColumnElement[bool]:
    """The actor's document says `indexable: false` (a JSON false, nothing else)."""
    if dialect == "postgresql":
        return and_(
            func.coalesce(func.json_typeof(Actor.raw["indexable"]), "") == "boolean",
            func.coalesce(Actor.raw["indexable"].as_string(), "") == "false",
        )
    return func.coalesce(func.json_type(Actor.raw, "$.indexable"), "") == "false"


def counted_actors(dialect: str) -> Select[Any]:
    """The ids of the actors whose resources are counted and exported."""
    return select(Actor.id).where(
        Actor.type != "Application",
        Actor.id.not_in(hidden_authors()),
        not_(refuses_indexing(dialect)),
    )
