"""Converters between our stored rows and ActivityStreams 2 documents, named by direction.

`to_*` builds what we publish; `*_from_*` reads what peers send into plain field dicts that
storage takes. Remote HTML is not cleaned here: that happens once, in the worker (sanitize.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from compagnon.federation.jsonld import AS_PUBLIC, OUR_CONTEXT, first_id, ids, is_public
from compagnon.federation.urls import Urls, host_of
from compagnon.storage.models import Actor, Object

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- actors -------------------------------------------------------------------------------


def to_actor_document(
    actor: Actor, urls: Urls, *, country: str = "", languages: list[str] | None = None
) -> dict[str, Any]:
    """The ActivityPub document of a local actor, with every field Mastodon needs or expects."""
    doc: dict[str, Any] = {
        "@context": OUR_CONTEXT,
        "id": actor.uri,
        "type": actor.type,
        "preferredUsername": actor.username,
        "name": actor.name or actor.username,
        "summary": actor.summary,
        "url": actor.url or actor.uri,
        "inbox": actor.inbox,
        "outbox": actor.outbox,
        "followers": actor.followers_url,
        "following": actor.following_url,
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        "discoverable": actor.type != "Application",
        "indexable": actor.type != "Application",
        "published": iso(actor.created_at),
        "publicKey": {
            "id": actor.public_key_id,
            "owner": actor.uri,
            "publicKeyPem": actor.public_key_pem,
        },
        "attachment": [],
    }
    if actor.icon_url:
        doc["icon"] = {"type": "Image", "url": actor.icon_url}
    if country:
        doc["addressCountry"] = country
    if languages:
        doc["schema:knowsLanguage"] = languages
    return doc


def _first_url(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            found = _first_url(item)
            if found:
                return found
    if isinstance(value, dict):
        href = value.get("href") or value.get("url")
        return _first_url(href) if href else ""
    return ""


def actor_fields_from_document(doc: dict[str, Any]) -> dict[str, Any]:
    """Fields of a remote actor; raises ValueError when it is not a usable actor."""
    actor_type = doc.get("type")
    if isinstance(actor_type, list):
        actor_type = next((t for t in actor_type if t in ACTOR_TYPES), None)
    uri, inbox = doc.get("id"), doc.get("inbox")
    if actor_type not in ACTOR_TYPES or not isinstance(uri, str) or not isinstance(inbox, str):
        raise ValueError("not an actor: needs an actor type, an id and an inbox")
    key = doc.get("publicKey")
    if isinstance(key, list):
        key = next((k for k in key if isinstance(k, dict)), None)
    key = key if isinstance(key, dict) else {}
    endpoints = doc.get("endpoints") if isinstance(doc.get("endpoints"), dict) else {}
    shared = endpoints.get("sharedInbox") if endpoints else None
    username = doc.get("preferredUsername")
    return {
        "uri": uri,
        "type": str(actor_type),
        "username": username if isinstance(username, str) else uri.rstrip("/").rsplit("/", 1)[-1],
        "domain": host_of(uri),
        "name": doc.get("name") if isinstance(doc.get("name"), str) else "",
        "summary": doc.get("summary") if isinstance(doc.get("summary"), str) else "",
        "inbox": inbox,
        "outbox": first_id(doc.get("outbox")) or "",
        "shared_inbox": shared if isinstance(shared, str) else None,
        "followers_url": first_id(doc.get("followers")) or "",
        "following_url": first_id(doc.get("following")) or "",
        "url": _first_url(doc.get("url")) or uri,
        "icon_url": _first_url(doc.get("icon")) or None,
        "manually_approves_followers": doc.get("manuallyApprovesFollowers") is True,
        "public_key_id": key.get("id") if isinstance(key.get("id"), str) else "",
        "public_key_pem": key.get("publicKeyPem")
        if isinstance(key.get("publicKeyPem"), str)
        else "",
        "raw": doc,
    }


# --- objects ------------------------------------------------------------------------------


def addressing(visibility: str, followers_url: str, mentions: list[str]) -> dict[str, list[str]]:
    """to/cc for each visibility, as Mastodon addresses them."""
    if visibility == "public":
        return {"to": [AS_PUBLIC], "cc": [followers_url, *mentions]}
    if visibility == "unlisted":
        return {"to": [followers_url], "cc": [AS_PUBLIC, *mentions]}
    if visibility == "followers":
        return {"to": [followers_url], "cc": mentions}
    return {"to": mentions, "cc": []}


def visibility_of(doc: dict[str, Any], followers_url: str) -> str:
    to, cc = ids(doc.get("to")), ids(doc.get("cc"))
    if any(is_public(x) for x in to):
        return "public"
    if any(is_public(x) for x in cc):
        return "unlisted"
    if followers_url and followers_url in to + cc:
        return "followers"
    return "direct"


def to_note(obj: Object, actor: Actor) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": obj.uri,
        "type": obj.type,
        "attributedTo": actor.uri,
        "content": obj.content,
        "published": iso(obj.published),
        "url": obj.url or obj.uri,
        "to": obj.recipients.get("to", []),
        "cc": obj.recipients.get("cc", []),
        "sensitive": False,
        "tag": obj.recipients.get("tag", []),
    }
    if obj.language:
        doc["contentMap"] = {obj.language: obj.content}
    if obj.summary:
        doc["summary"] = obj.summary
    if obj.name:
        doc["name"] = obj.name
    if obj.in_reply_to:
        doc["inReplyTo"] = obj.in_reply_to
    if obj.updated:
        doc["updated"] = iso(obj.updated)
    return doc


def to_tombstone(obj: Object) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": OUR_CONTEXT,
        "id": obj.uri,
        "type": "Tombstone",
        "formerType": obj.type,
    }
    if obj.deleted_at:
        doc["deleted"] = iso(obj.deleted_at)
    return doc


def wrap(
    activity_type: str,
    uri: str,
    actor_uri: str,
    obj: Any,
    recipients: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """An activity around an object (or an object's id) with the object's addressing."""
    doc: dict[str, Any] = {
        "@context": OUR_CONTEXT,
        "id": uri,
        "type": activity_type,
        "actor": actor_uri,
        "object": obj,
    }
    if recipients:
        doc["to"] = recipients.get("to", [])
        doc["cc"] = recipients.get("cc", [])
    if isinstance(obj, dict) and "published" in obj and activity_type == "Create":
        doc["published"] = obj["published"]
    return doc


def object_fields_from_note(doc: dict[str, Any], followers_url: str) -> dict[str, Any]:
    """Fields of a remote object; content still raw (the handler sanitises it)."""
    content = doc.get("content")
    content_map = doc.get("contentMap")
    language = None
    if isinstance(content_map, dict) and content_map:
        language, first = next(iter(content_map.items()))
        if not isinstance(content, str) and isinstance(first, str):
            content = first
    object_type = doc.get("type")
    if isinstance(object_type, list):
        object_type = object_type[0] if object_type else "Note"
    name = doc.get("name")
    summary = doc.get("summary")
    return {
        "uri": doc["id"],
        "type": str(object_type or "Note")[:64],
        "content": content if isinstance(content, str) else "",
        "summary": summary if isinstance(summary, str) else "",
        "name": name if isinstance(name, str) else "",
        "language": language if isinstance(language, str) else None,
        "url": _first_url(doc.get("url")) or None,
        "in_reply_to": first_id(doc.get("inReplyTo")),
        "recipients": {"to": ids(doc.get("to")), "cc": ids(doc.get("cc"))},
        "visibility": visibility_of(doc, followers_url),
        "published": parse_time(doc.get("published")) or datetime.now(UTC),
        "updated": parse_time(doc.get("updated")),
        "raw": doc,
    }
