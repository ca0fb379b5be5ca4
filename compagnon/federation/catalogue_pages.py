"""Reading a followed actor's outbox pages (pure: no network, no database).

`read_page` finds the items and the next URL in a fetched document (the outbox itself, with
`first` embedded or by URL, or one of its pages); `pick_objects` keeps what catalogue sync may
import. Trust is same-origin: an outbox fetched from the actor's own host vouches for objects
on that host attributed to that actor (or, in a centre's Announce, to an actor of that host),
and nothing else. The sync jobs that fetch and store the pages are catalogue.py's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from compagnon.domain.safe_urls import http_url, same_origin
from compagnon.federation.as_types import (
    has_type,
    is_post_like,
    is_stored_collection,
    shown_type,
)
from compagnon.federation.convert import is_poll_vote, visibility_of
from compagnon.federation.jsonld import first_id
from compagnon.federation.urls import host_of

PAGE_TYPES = frozenset({"OrderedCollectionPage", "CollectionPage"})
COLLECTION_TYPES = frozenset({"OrderedCollection", "Collection"})
MAX_ID_LENGTH = 2048  # objects.uri


class PageError(Exception):
    """The peer answered, but not with a usable collection page: the job ends (failed)."""


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_url: str | None


def _type_names(doc: dict[str, Any]) -> set[str]:
    value = doc.get("type")
    return {value} if isinstance(value, str) else {v for v in value or [] if isinstance(v, str)}


def _items(doc: dict[str, Any]) -> list[Any]:
    value = doc.get("orderedItems", doc.get("items"))
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def read_page(doc: dict[str, Any], url: str, actor_uri: str) -> tuple[Page, str | None]:
    """The items and the next URL of a fetched document: the outbox itself (items embedded,
    or a `first` page embedded or by URL) or one of its pages. Returns the page and, when
    the document only points at its first page, that page's URL to fetch next."""
    names = _type_names(doc)
    if names & COLLECTION_TYPES:
        first = doc.get("first")
        if isinstance(first, dict):  # GoToSocial and others embed the first page
            if _items(first) or isinstance(first.get("next"), str) or "orderedItems" in first:
                return _checked(Page(_items(first), _next_of(first)), first, actor_uri), None
            first = first.get("id")
        if isinstance(first, str):
            return Page(_items(doc), None), on_actor_host(first, actor_uri)
        return Page(_items(doc), None), None  # not paged: everything is here
    if names & PAGE_TYPES:
        return _checked(Page(_items(doc), _next_of(doc)), doc, actor_uri), None
    shown = ", ".join(sorted(names)) or "no type"
    raise PageError(f"{url} is not a collection page ({shown})")


def _next_of(doc: dict[str, Any]) -> str | None:
    value = doc.get("next")
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def on_actor_host(url: str, actor_uri: str) -> str:
    """The URL, when it is on the actor's host (else PageError): pages are trusted same-origin."""
    if host_of(url) != host_of(actor_uri):
        raise PageError(f"outbox page {url[:200]} is not on the actor's host")
    return url


def _checked(page: Page, doc: dict[str, Any], actor_uri: str) -> Page:
    if isinstance(doc.get("id"), str):
        on_actor_host(doc["id"], actor_uri)
    if page.next_url is not None:
        on_actor_host(page.next_url, actor_uri)
    return page


@dataclass
class Picked:
    objects: list[dict[str, Any]] = field(default_factory=list)
    # Who each object is by: the actor itself (a Create), or, for a centre's Announce, the
    # trainer on the centre's host it is attributed to.
    owners: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def pick_objects(items: list[Any], actor_uri: str, followers_url: str) -> Picked:
    """The objects of an outbox page we may import: embedded in a Create by the actor, on the
    actor's host, attributed to the actor; or embedded in an Announce by the actor (a centre
    handing on its trainers' resources), on the actor's host, attributed to an actor of that
    host. Never a direct message nor a poll vote. Everything else is counted, by reason."""
    picked = Picked()
    for item in items:
        reason, owner = _refusal(item, actor_uri, followers_url)
        if reason:
            picked.skipped[reason] += 1
        else:
            picked.objects.append(item["object"])
            picked.owners.append(owner)
    return picked


def _refusal(item: Any, actor_uri: str, followers_url: str) -> tuple[str | None, str]:
    """(why the item is not imported, or None; who its object is by)."""
    if isinstance(item, str):
        return "activity not embedded", ""
    if not isinstance(item, dict):
        return "not an activity", ""
    announce = has_type(item, "Announce")
    if not has_type(item, "Create") and not announce:  # a type list holding Create is one
        return f"{str(item.get('type'))[:40]} is not a Create", ""
    if first_id(item.get("actor")) != actor_uri:
        return "activity by another actor", ""
    obj = item.get("object")
    if isinstance(obj, str):
        return "object not embedded", ""
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        return "object without an id", ""
    if len(obj["id"]) > MAX_ID_LENGTH:
        return "object id too long", ""
    if http_url(obj["id"]) is None:
        return "object id not an http(s) URL", ""
    if not same_origin(obj["id"], actor_uri):
        return "object on another host", ""
    owner = first_id(obj.get("attributedTo")) or first_id(obj.get("actor"))
    if announce:
        if owner is None or len(owner) > MAX_ID_LENGTH or not same_origin(owner, actor_uri):
            return "announced object not by an actor of the host", ""
    elif owner is not None and owner != actor_uri:
        return "object attributed to someone else", ""
    if not is_post_like(obj) and not is_stored_collection(
        obj
    ):  # as the inbox: a Tombstone, Place, actor ... is no post
        return f"{shown_type(obj)[:40]} is not a post", ""
    if is_poll_vote(obj):
        return "poll vote", ""
    if visibility_of(obj, followers_url) == "direct":
        return "direct message", ""
    return None, owner or actor_uri
