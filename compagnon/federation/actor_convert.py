"""Actors between our rows and ActivityStreams 2 documents, named by direction:
`to_actor_document` builds what we publish for a local actor, `actor_fields_from_document`
reads a peer's actor into the fields storage takes (federation/actor_store.py)."""

from __future__ import annotations

from typing import Any

from compagnon.domain.consent import flags_of
from compagnon.domain.safe_urls import http_url
from compagnon.federation.as_types import types_of
from compagnon.federation.convert import first_url, iso
from compagnon.federation.jsonld import OUR_CONTEXT, first_id
from compagnon.federation.profile_fields import attachment as fields_attachment
from compagnon.federation.profile_fields import from_document as fields_from_document
from compagnon.federation.urls import Urls, host_of
from compagnon.storage.models import Actor

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})


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
        # An Application (the instance actor, a relay) is not indexed; a trainer who opted
        # out (actors.indexable / discoverable False) says so to peers.
        "discoverable": actor.type != "Application" and actor.discoverable is not False,
        "indexable": actor.type != "Application" and actor.indexable is not False,
        "published": iso(actor.created_at),
        "publicKey": {
            "id": actor.public_key_id,
            "owner": actor.uri,
            "publicKeyPem": actor.public_key_pem,
        },
        "attachment": fields_attachment(actor.profile_fields),  # profile fields
    }
    if actor.icon_url:
        doc["icon"] = {"type": "Image", "url": actor.icon_url}
    if country:
        doc["addressCountry"] = country
    if languages:
        doc["schema:knowsLanguage"] = languages
    return doc


def actor_fields_from_document(doc: dict[str, Any]) -> dict[str, Any]:
    """Fields of a remote actor; raises ValueError when it is not a usable actor."""
    actor_type = next((t for t in types_of(doc.get("type")) if t in ACTOR_TYPES), None)
    uri, inbox = http_url(doc.get("id")), http_url(doc.get("inbox"))
    if actor_type not in ACTOR_TYPES or uri is None or inbox is None:
        raise ValueError("not an actor: needs an actor type, an http(s) id and an http(s) inbox")
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
        "outbox": http_url(first_id(doc.get("outbox"))) or "",
        "shared_inbox": http_url(shared),
        "followers_url": http_url(first_id(doc.get("followers"))) or "",
        "following_url": http_url(first_id(doc.get("following"))) or "",
        "url": first_url(doc.get("url")) or uri,
        "icon_url": first_url(doc.get("icon")) or None,
        "manually_approves_followers": doc.get("manuallyApprovesFollowers") is True,
        "public_key_id": key.get("id") if isinstance(key.get("id"), str) else "",
        "public_key_pem": key.get("publicKeyPem")
        if isinstance(key.get("publicKeyPem"), str)
        else "",
        "raw": doc,
        "profile_fields": fields_from_document(doc),  # sanitised when stored (actor_store)
        # consent to indexing (domain/consent.py): None when the document says nothing
        "indexable": flags_of(doc)[0],
        "discoverable": flags_of(doc)[1],
    }
