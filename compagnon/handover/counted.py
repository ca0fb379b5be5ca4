"""Whose resources the statistics count and the bulk export hands on: one definition, so the
page, the JSON, the CSV, `compagnon catalogue stats` and `/export/amb` agree.

An actor counts unless moderation keeps it out of search (suspended, silenced, or on a
silenced host: storage/queries/search.py: hidden_authors), it is the node's own service actor
(an `Application`), or it does not consent to indexing (the stored `actors.indexable` /
`discoverable` columns, read through storage/queries/consent.py, the one place that says
who consents).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from compagnon.storage.models import Actor
from compagnon.storage.queries.consent import consenting
from compagnon.storage.queries.search import hidden_authors


def counted_actors() -> Select[Any]:
    """The ids of the actors whose resources are counted and exported."""
    return select(Actor.id).where(
        Actor.type != "Application",
        Actor.id.not_in(hidden_authors()),
        consenting(),
    )
