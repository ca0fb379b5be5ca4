"""Consent to being indexed: Mastodon's `toot:indexable` and `toot:discoverable` flags.

An actor whose document says `indexable: false` or `discoverable: false` has not consented to
being indexed: its records are not listed (search), not harvested (OAI-PMH, sitemap, feeds,
exports) and not counted by name (statistics count them only in totals). A document that says
nothing consents (the flags are Mastodon's opt-outs as other software reads them).
storage/queries/consent.py holds the database side; this module is pure.
"""

from __future__ import annotations

from typing import Any

TOOT = "http://joinmastodon.org/ns#"


def _flag(doc: dict[str, Any], name: str) -> bool | None:
    for key in (name, f"toot:{name}", f"{TOOT}{name}"):
        value = doc.get(key)
        if isinstance(value, bool):
            return value
    return None


def flags_of(doc: dict[str, Any]) -> tuple[bool | None, bool | None]:
    """(indexable, discoverable) as an actor document gives them; None when absent or not a
    boolean."""
    return _flag(doc, "indexable"), _flag(doc, "discoverable")


def consents(indexable: bool | None, discoverable: bool | None) -> bool:
    """Whether an actor with these flags may be listed, harvested and counted by name."""
    return indexable is not False and discoverable is not False
