"""What `compagnon module` and `compagnon journey` do: publish, edit, add and remove items,
delete, list and show training modules and learning journeys (domain/collections.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.config import Settings
from compagnon.domain.collections import (
    JOURNEY,
    KINDS,
    MODULE,
    PHASES,
    Collection,
    Journey,
    Module,
    Phase,
    kind_of,
    normalised,
    phase_key,
    problems,
)
from compagnon.domain.safe_urls import http_url
from compagnon.federation.collection_convert import (
    CollectionDocumentError,
    collection_from_document,
    outcome_of,
)
from compagnon.federation.outbox import collections as outbox
from compagnon.federation.urls import Urls
from compagnon.i18n import _
from compagnon.operations import OperationError, _local_actor, database

__all__ = ["OperationError"]
from compagnon.storage.models import Actor, Object
from compagnon.storage.queries import collections as collection_queries
from compagnon.storage.queries import objects as object_queries


def _checked(value: Collection) -> Collection:
    value = normalised(value)
    mistakes = problems(value)
    if mistakes:
        raise OperationError("\n".join(mistakes))  # one line per mistake
    return value


async def publish(settings: Settings, username: str, value: Collection, visibility: str) -> str:
    async with database(settings) as sessions, sessions.begin() as session:
        obj = await publish_in(session, Urls(settings.base_url), username, value, visibility)
        return obj.uri


async def publish_in(
    session: AsyncSession, urls: Urls, username: str, value: Collection, visibility: str
) -> Object:
    """Publish in an open transaction (the pages' way; `publish` opens its own)."""
    value = _checked(value)
    author = await _local_actor(session, username)
    return await outbox.publish_collection(session, urls, author, value, visibility=visibility)


def journey_from_file(path: Path, default_language: str) -> Collection:
    """A journey from a JSON file in the shape of shared/reference/learning-journey.example.json."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OperationError(
            _("Cannot read {path}: {error}", path=str(path), error=exc.strerror)
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise OperationError(
            _("{path} is not JSON: {error}", path=str(path), error=str(exc))
        ) from None
    try:
        value = collection_from_document(data, default_language)
    except CollectionDocumentError as exc:
        raise OperationError(str(exc)) from None
    if (
        not isinstance(data.get("orderedItems"), list)
        or not all(isinstance(p, dict) for p in data["orderedItems"])
        or value.__class__ is Module
    ):
        raise OperationError(
            _("A journey's orderedItems are its phases: objects with their own orderedItems.")
        )
    return value


async def _own(session: AsyncSession, username: str, uri: str, kind: str) -> tuple[Actor, Object]:
    author = await _local_actor(session, username)
    obj = await object_queries.by_uri(session, uri.strip())
    if obj is None or obj.deleted_at is not None or obj.type != kind:
        if kind == JOURNEY:
            raise OperationError(_("There is no journey at {uri}.", uri=uri))
        raise OperationError(_("There is no module at {uri}.", uri=uri))
    if obj.actor_id != author.id or not obj.is_local or obj.raw is None:
        if kind == JOURNEY:
            raise OperationError(_("{uri} is not a journey of {name}.", uri=uri, name=username))
        raise OperationError(_("{uri} is not a module of {name}.", uri=uri, name=username))
    return author, obj


async def edit(
    settings: Settings, username: str, uri: str, kind: str, changes: dict[str, Any]
) -> str:
    async with database(settings) as sessions, sessions.begin() as session:
        return await edit_in(session, Urls(settings.base_url), username, uri, kind, changes)


async def edit_in(
    session: AsyncSession, urls: Urls, username: str, uri: str, kind: str, changes: dict[str, Any]
) -> str:
    author, obj = await _own(session, username, uri, kind)
    assert obj.raw is not None
    value = _checked(replace(collection_from_document(obj.raw), **changes))
    await outbox.update_collection(session, urls, author, obj, value)
    return obj.uri


async def current(session: AsyncSession, username: str, uri: str, kind: str) -> Collection:
    """A module or journey of USERNAME as it is now (for a form to show)."""
    _author, obj = await _own(session, username, uri, kind)
    assert obj.raw is not None
    return collection_from_document(obj.raw)


async def replace_journey(settings: Settings, username: str, uri: str, value: Collection) -> str:
    async with database(settings) as sessions, sessions.begin() as session:
        return await replace_in(session, Urls(settings.base_url), username, uri, value)


async def replace_in(
    session: AsyncSession, urls: Urls, username: str, uri: str, value: Collection
) -> str:
    """Replace a module or journey with `value` (same kind): one Update."""
    value = _checked(value)
    author, obj = await _own(session, username, uri, kind_of(value))
    await outbox.update_collection(session, urls, author, obj, value)
    return obj.uri


async def change_item(
    settings: Settings,
    username: str,
    module_uri: str,
    item: str,
    *,
    add: bool,
    position: int | None = None,
) -> list[str]:
    """Add ITEM to a module (at `position`, 1 = first; the end by default) or remove it;
    returns the module's items after the change."""
    async with database(settings) as sessions, sessions.begin() as session:
        return await change_item_in(
            session, Urls(settings.base_url), username, module_uri, item, add=add, position=position
        )


async def change_item_in(
    session: AsyncSession,
    urls: Urls,
    username: str,
    module_uri: str,
    item: str,
    *,
    add: bool,
    position: int | None = None,
) -> list[str]:
    """`change_item` in an open transaction: an Add or Remove to the module's audience."""
    item = _item_url(item)
    author, obj = await _own(session, username, module_uri, MODULE)
    assert obj.raw is not None
    module = collection_from_document(obj.raw)
    assert isinstance(module, Module)
    items = list(module.items)
    if add:
        if item in items:
            raise OperationError(_("{item} is already in the module.", item=item))
        if position is not None and not 1 <= position <= len(items) + 1:
            raise OperationError(_("The position goes from 1 to {n}.", n=len(items) + 1))
        items.insert((position or len(items) + 1) - 1, item)
    else:
        if position is not None:
            raise OperationError(_("--position is for adding an item."))
        if item not in items:
            raise OperationError(_("{item} is not in the module.", item=item))
        items.remove(item)
    changed = _checked(replace(module, items=tuple(items)))
    assert isinstance(changed, Module)
    await outbox.change_item(session, urls, author, obj, changed, "Add" if add else "Remove", item)
    return list(changed.items)


def _item_url(item: str) -> str:
    item = item.strip()
    if http_url(item) is None:
        raise OperationError(_("{url!r} is not an http(s) URL.", url=item[:200]))
    return item


def _phase_items(value: Collection, phase: str) -> list[str]:
    if isinstance(value, Module):
        return list(value.items)
    for found in value.phases:
        if found.key == phase:
            return list(found.items)
    raise OperationError(_("The journey has no phase {key}.", key=phase))


def _with_phase_items(value: Collection, phase: str, items: list[str]) -> Collection:
    if isinstance(value, Module):
        return replace(value, items=tuple(items))
    return replace(
        value,
        phases=tuple(replace(p, items=tuple(items)) if p.key == phase else p for p in value.phases),
    )


async def move_item(
    settings: Settings, username: str, uri: str, item: str, by: int, phase: str = ""
) -> list[str]:
    """Move ITEM of a module (or of a journey's PHASE) `by` places (-1: up, 1: down);
    returns the items after the move."""
    async with database(settings) as sessions, sessions.begin() as session:
        return await move_item_in(session, Urls(settings.base_url), username, uri, item, by, phase)


async def move_item_in(
    session: AsyncSession, urls: Urls, username: str, uri: str, item: str, by: int, phase: str = ""
) -> list[str]:
    """The new order travels as an Update with the whole collection (an Add or Remove has no
    position to say it with)."""
    obj = await object_queries.by_uri(session, uri.strip())
    kind = obj.type if obj is not None and obj.type in KINDS else MODULE
    value = await current(session, username, uri, kind)
    items = _phase_items(value, phase)
    item = item.strip()
    if item not in items:
        raise OperationError(_("{item} is not in the list.", item=item))
    place = items.index(item)
    target = min(max(place + by, 0), len(items) - 1)
    if target != place:
        items.insert(target, items.pop(place))
        await replace_in(session, urls, username, uri, _with_phase_items(value, phase, items))
    return items


async def change_phase_item_in(
    session: AsyncSession,
    urls: Urls,
    username: str,
    uri: str,
    phase: str,
    item: str,
    *,
    add: bool,
) -> list[str]:
    """Add an item to the end of a journey's phase, or remove it: an Update of the journey."""
    item = _item_url(item)
    value = await current(session, username, uri, JOURNEY)
    assert isinstance(value, Journey)
    if add and phase not in {p.key for p in value.phases}:
        if phase not in PHASES:
            raise OperationError(_("The journey has no phase {key}.", key=phase))
        value = replace(value, phases=(*value.phases, Phase(key=phase)))
    items = _phase_items(value, phase)
    if add:
        if item in items:
            raise OperationError(_("{item} is already in the phase.", item=item))
        items.append(item)
    else:
        if item not in items:
            raise OperationError(_("{item} is not in the phase.", item=item))
        items.remove(item)
    await replace_in(session, urls, username, uri, _with_phase_items(value, phase, items))
    return items


async def change_phase_item(
    settings: Settings, username: str, uri: str, phase: str, item: str, *, add: bool
) -> list[str]:
    async with database(settings) as sessions, sessions.begin() as session:
        return await change_phase_item_in(
            session, Urls(settings.base_url), username, uri, phase, item, add=add
        )


async def delete(settings: Settings, username: str, uri: str, kind: str) -> str:
    async with database(settings) as sessions, sessions.begin() as session:
        return await delete_in(session, Urls(settings.base_url), username, uri, kind)


async def delete_in(session: AsyncSession, urls: Urls, username: str, uri: str, kind: str) -> str:
    author, obj = await _own(session, username, uri, kind)
    await outbox.delete_collection(session, urls, author, obj)
    return obj.uri


async def list_of(settings: Settings, username: str, kind: str) -> list[dict[str, Any]]:
    async with database(settings) as sessions, sessions() as session:
        author = await _local_actor(session, username)
        rows = await collection_queries.of_actor(session, author.id, kind)
        return [
            {
                "uri": obj.uri,
                "title": obj.name,
                "items": len(await collection_queries.items_of(session, obj.id)),
            }
            for obj in rows
        ]


async def show(settings: Settings, uri: str) -> dict[str, Any]:
    """A module or journey held here (published here or received): its title, author and
    items by phase, with the titles this node knows; the outcome of each phase."""
    async with database(settings) as sessions, sessions() as session:
        found = await collection_queries.by_uri_with_author(session, uri.strip())
        if found is None or found[0].type not in KINDS or found[0].deleted_at is not None:
            raise OperationError(_("No module or journey at {uri} is known here.", uri=uri))
        obj, author = found
        items = await collection_queries.items_of(session, obj.id)
        titles = await collection_queries.titles(session, [uri for _p, uri in items])
    phases: dict[str, dict[str, Any]] = {}
    raw = obj.raw or {}
    for n, phase_doc in enumerate(raw.get("orderedItems", []) if obj.type == JOURNEY else []):
        if isinstance(phase_doc, dict):
            phases[phase_key(phase_doc, n)] = {
                "name": phase_doc.get("name") if isinstance(phase_doc.get("name"), str) else "",
                "outcome": outcome_of(phase_doc),
                "items": [],
            }
    for phase, item in items:
        entry = phases.setdefault(phase, {"name": "", "outcome": None, "items": []})
        entry["items"].append({"uri": item, "title": titles.get(item, "")})
    return {
        "uri": obj.uri,
        "kind": obj.type,
        "title": obj.name,
        "author": author.uri,
        "phases": phases,
    }
