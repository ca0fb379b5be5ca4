"""Add and Remove of a module's items (federation/outbox/collections.py sends them): the
item is `object`, the module `target`. Only the module's own author changes it. When the
target comes embedded with its `orderedItems` (ours do), that list is the module's new order;
otherwise the item is appended (Add) or dropped (Remove), as AS2 describes them. Any other
Add or Remove (Mastodon's featured posts, a Lemmy moderator list) is ignored with the reason.
"""

from __future__ import annotations

from typing import Any

from compagnon.domain.collections import MODULE, item_urls
from compagnon.domain.safe_urls import http_url
from compagnon.federation.collection_convert import collection_from_document, readable_content
from compagnon.federation.inbox.handling import Handling, Ignored
from compagnon.federation.jsonld import first_id
from compagnon.federation.sanitize import sanitize_html
from compagnon.storage.models import utcnow
from compagnon.storage.queries import collections as collection_queries
from compagnon.storage.queries import objects as object_queries


async def _change(h: Handling, activity: dict[str, Any], kind: str) -> None:
    item = http_url(first_id(activity.get("object")))
    target = activity.get("target")
    target_uri = first_id(target)
    if item is None:
        raise Ignored(f"{kind} of something that is not an http(s) URL")
    stored = await object_queries.by_uri(h.session, target_uri) if target_uri else None
    if stored is None or stored.type != MODULE:
        raise Ignored(f"{kind} to a collection that is not a module we hold")
    if stored.actor_id != h.sender.id:
        raise Ignored(f"{kind} to someone else's module")
    if stored.deleted_at is not None or stored.raw is None:
        raise Ignored(f"{kind} to a deleted module")
    current = [uri for _phase, uri in await collection_queries.items_of(h.session, stored.id)]
    given = target.get("orderedItems") if isinstance(target, dict) else None
    if isinstance(given, list):
        items = item_urls(given)
    elif kind == "Add":
        items = current if item in current else [*current, item]
    else:
        items = [uri for uri in current if uri != item]
    if kind == "Add" and item not in items:
        raise Ignored("the Add's target does not list its object")
    if kind == "Remove" and item in items:
        raise Ignored("the Remove's target still lists its object")
    await collection_queries.replace_items(h.session, stored.id, [("", items)])
    # The kept document and the readable text follow, so what we hold and show (a home
    # timeline) lists the items as they are now.
    stored.raw = {**stored.raw, "totalItems": len(items), "orderedItems": items}
    module = collection_from_document(stored.raw)
    titles = await collection_queries.titles(h.session, items)
    stored.content = sanitize_html(readable_content(module, stored.uri, titles, module.language))
    stored.updated = utcnow()


async def on_add(h: Handling, activity: dict[str, Any]) -> None:
    await _change(h, activity, "Add")


async def on_remove(h: Handling, activity: dict[str, Any]) -> None:
    await _change(h, activity, "Remove")
