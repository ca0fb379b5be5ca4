"""Whose resources the statistics count and the bulk export hands on: one definition, so the
page, the JSON, the CSV, `compagnon catalogue stats` and `/export/amb` agree.

An actor counts unless moderation keeps it out of search (suspended, silenced, or on a
silenced host: storage/queries/search.py: hidden_authors), it is the node's own service actor
(an `Application`), or it does not consent to indexing (the stored `actors.indexable` /
`discoverable` columns, read through storage/queries/consent.py, the one place that says
who consents).
"""

from __future__ import annotations

from compagnon.storage.queries.statistics_counts import counted_actors

__all__ = ["counted_actors"]
