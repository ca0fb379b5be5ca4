"""The sentence that says where a received record came from ("Received via ..."), shared by
the resource page and `compagnon catalogue provenance`."""

from __future__ import annotations

from compagnon.i18n import _
from compagnon.storage.models import Provenance


def received_via(found: Provenance) -> str:
    fields = {
        "host": found.origin_host,
        "first": found.first_seen.strftime("%Y-%m-%d %H:%M"),
        "last": found.last_seen.strftime("%Y-%m-%d %H:%M"),
    }
    if found.route == "catalogue":
        return _(
            "Received via catalogue sync from {host}; first seen {first}, last seen {last}.",
            **fields,
        )
    if found.route == "centre":
        return _(
            "Received via the centre's announce from {host}; first seen {first}, last seen {last}.",
            **fields,
        )
    if found.route == "relay":
        return _(
            "Received via a relay from {host}; first seen {first}, last seen {last}.", **fields
        )
    return _(
        "Received via direct follow from {host}; first seen {first}, last seen {last}.", **fields
    )
