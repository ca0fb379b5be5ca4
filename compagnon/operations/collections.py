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
    Collection,
    Module,
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
    value = _checked(value)
    async with database(settings) as sessions, sessions.begin() as session:
        author = await _local_actor(session, username)
        obj = await outbox.publish_collection(
            session, Urls(settings.base_url), author, value, visibility=visibility
        )
        return obj.uri


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
        author, obj = await _own(session, username, uri, kind)
        assert obj.raw is not None
        value = _checked(replace(collection_from_document(obj.raw), **changes))
        await outbox.update_collection(session, Urls(settings.base_url), author, obj, value)
        return obj.uri


async def replace_journey(settings: Settings, username: str, uri: str, value: Collection) -> str:
    value = _checked(value)
    async with database(settings) as sessions, sessions.begin() as session:
        author, obj = await _own(session, username, uri, JOURNEY)
        await outbox.update_collection(session, Urls(settings.base_url), author, obj, value)
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
    item = item.strip()
    if http_url(item) is None:
        raise OperationError(_("The item is not an http(s) URL: {item!r}.", item=item[:200]))
    async with database(settings) as sessions, sessions.begin() as session:
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
        await outbox.change_item(
            session,
            Urls(settings.base_url),
            author,
            obj,
            changed,
            "Add" if add else "Remove",
            item,
        )
        return list(changed.items)


async def delete(settings: Settings, username: str, uri: str, kind: str) -> str:
    async with database(settings) as sessions, sessions.begin() as session:
        author, obj = await _own(session, username, uri, kind)
        await outbox.delete_collection(session, Urls(settings.base_url), author, obj)
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
