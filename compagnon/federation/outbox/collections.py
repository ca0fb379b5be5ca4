"""Publishing modules and journeys (domain/collections.py): Create, Update, Delete of the
collection, and Add / Remove of a module's items with the module as `target`. Written in the
caller's transaction, queued for the worker, as publish.py does for posts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.collections import Collection, Module, kind_of
from compagnon.federation.collection_convert import to_collection_object
from compagnon.federation.convert import addressing, wrap
from compagnon.federation.outbox.publish import (
    new_local_object,
    reach_local_readers,
    refresh_create,
    send,
)
from compagnon.federation.search_index import forget, index_stored
from compagnon.federation.urls import Urls
from compagnon.storage.models import Actor, Object, utcnow
from compagnon.storage.queries import collections as collection_queries
from compagnon.storage.queries import deliveries


async def _store(
    session: AsyncSession, obj: Object, author: Actor, value: Collection
) -> dict[str, Any]:
    """Write the wire document, the columns lists read, and the items into `obj`."""
    recipients = {"to": obj.recipients.get("to", []), "cc": obj.recipients.get("cc", [])}
    titles = await collection_queries.titles(session, value.items)
    doc = to_collection_object(value, obj, author, titles)
    obj.name = value.title
    obj.summary = value.description  # a column of ours for lists; not sent as `summary`
    obj.language = value.language
    obj.content = doc["content"]
    obj.recipients = recipients
    obj.raw = doc
    phases = (
        [("", value.items)]
        if isinstance(value, Module)
        else [(phase.key, phase.items) for phase in value.phases]
    )
    await collection_queries.replace_items(session, obj.id, phases)
    await index_stored(session, [obj])
    return doc


def _audience(obj: Object) -> list[str]:
    return list(obj.recipients.get("to", [])) + list(obj.recipients.get("cc", []))


async def publish_collection(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    value: Collection,
    *,
    visibility: str = "public",
) -> Object:
    """A module or journey (valid, normalised): stored, indexed, its Create queued."""
    recipients: dict[str, Any] = addressing(visibility, author.followers_url, [])
    obj = await new_local_object(session, urls, author, kind_of(value), visibility, recipients)
    doc = await _store(session, obj, author, value)
    create = wrap("Create", urls.new_activity(), author.uri, doc, recipients)
    await send(session, author, create, addressed=_audience(obj), object_uri=obj.uri)
    await reach_local_readers(session, obj, author, [])
    return obj


async def update_collection(
    session: AsyncSession, urls: Urls, author: Actor, obj: Object, value: Collection
) -> Object:
    """An edit: Update with the whole collection to its audience and every host that got it;
    the outbox's Create carries the new version."""
    obj.updated = utcnow()
    doc = await _store(session, obj, author, value)
    await refresh_create(session, author, obj.uri, doc)
    update = wrap("Update", urls.new_activity(), author.uri, doc, obj.recipients)
    received = await deliveries.inboxes_that_received(session, obj.uri)
    await send(
        session,
        author,
        update,
        addressed=_audience(obj),
        extra_inboxes=received,
        object_uri=obj.uri,
    )
    return obj


async def change_item(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    obj: Object,
    module: Module,
    kind: str,
    item: str,
) -> Object:
    """Add or Remove one item of a module (`module` is the module after the change). The
    activity names the item as `object` and the module as `target`, embedded with its items
    in their new order, so a peer that reads it keeps the order, and one that only knows
    Add/Remove appends or drops the item."""
    obj.updated = utcnow()
    doc = await _store(session, obj, author, module)
    await refresh_create(session, author, obj.uri, doc)
    target = {
        "id": obj.uri,
        "type": "OrderedCollection",
        "attributedTo": author.uri,
        "totalItems": len(module.items),
        "orderedItems": list(module.items),
    }
    activity = wrap(kind, urls.new_activity(), author.uri, item, obj.recipients)
    activity["target"] = target
    received = await deliveries.inboxes_that_received(session, obj.uri)
    await send(
        session,
        author,
        activity,
        addressed=_audience(obj),
        extra_inboxes=received,
        object_uri=obj.uri,
    )
    return obj


async def delete_collection(session: AsyncSession, urls: Urls, author: Actor, obj: Object) -> None:
    """Delete: a Tombstone to the hosts that received it; what was still queued for others is
    cancelled; out of search and of every resource's "part of" at once."""
    received = await deliveries.inboxes_that_received(session, obj.uri)
    await deliveries.cancel_pending_for_object(session, obj.uri)
    await forget(session, [obj])
    await collection_queries.replace_items(session, obj.id, [])
    obj.deleted_at = utcnow()
    obj.content = ""
    obj.summary = ""
    tombstone = {"id": obj.uri, "type": "Tombstone", "formerType": "OrderedCollection"}
    delete = wrap("Delete", urls.new_activity(), author.uri, tombstone, obj.recipients)
    await send(session, author, delete, extra_inboxes=received, object_uri=None)
