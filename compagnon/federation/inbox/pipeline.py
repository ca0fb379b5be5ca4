"""The inbox pipeline: size → parse → blocked? → verify → authorise → store.

Each step returns the value the next step needs, or an Outcome that ends the request. Nothing
here has side effects beyond storing the raw activity: handlers run later, in the worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from compagnon.federation.inbox.outcomes import (
    Accepted,
    BadSignature,
    Malformed,
    NotAllowed,
    Outcome,
    TooLarge,
)
from compagnon.federation.integrity import signed_by_actor
from compagnon.federation.jsonld import first_id
from compagnon.federation.signatures import (
    KeyLookup,
    SignatureError,
    VerifiedSignature,
    verify_request,
)
from compagnon.federation.urls import host_of

Store = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class InboundRequest:
    method: str
    url: str  # as addressed: scheme://host/path?query
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class KeyLookups:
    http: KeyLookup  # publicKey (RSA) by key id: HTTP and LD signatures
    proof: KeyLookup | None = None  # assertionMethod Multikeys: FEP-8b32 proofs


@dataclass(frozen=True)
class InboxPolicy:
    max_body_bytes: int
    signature_max_age: int
    blocked_hosts: frozenset[str]


def check_size(request: InboundRequest, policy: InboxPolicy) -> Outcome | None:
    if len(request.body) > policy.max_body_bytes:
        return TooLarge(f"body over {policy.max_body_bytes} bytes")
    return None


def parse(body: bytes) -> dict[str, Any] | Outcome:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return Malformed(f"body is not JSON: {exc}")
    if not isinstance(doc, dict):
        return Malformed("body must be a JSON object")
    if not isinstance(doc.get("type"), str):
        return Malformed("activity has no type")
    if not first_id(doc.get("actor")):
        return Malformed("activity has no actor")
    if "id" not in doc and doc["type"] == "Delete" and first_id(doc.get("object")):
        doc["id"] = delete_id(doc)
    if not isinstance(doc.get("id"), str) or not doc["id"].startswith(("https://", "http://")):
        return Malformed("activity has no http(s) id")
    return doc


def delete_id(doc: dict[str, Any]) -> str:
    """GoToSocial sends Deletes without an id. The act is "this actor deletes that object", so
    an id made from both is stable: a repeated Delete is deduplicated like any other."""
    actor, target = first_id(doc.get("actor")) or "", first_id(doc.get("object")) or ""
    return f"{actor}#delete-{hashlib.sha256(target.encode()).hexdigest()[:32]}"


def check_blocked(doc: dict[str, Any], policy: InboxPolicy) -> Outcome | None:
    actor_host = host_of(first_id(doc.get("actor")) or "")
    if is_blocked(actor_host, policy.blocked_hosts):
        return NotAllowed(f"{actor_host} is blocked by this node")
    return None


def is_blocked(host: str, blocked: frozenset[str]) -> bool:
    """A host is blocked when it, its name without the port, or a parent domain is listed."""
    bare = host.split(":", 1)[0]
    return host in blocked or any(bare == b or bare.endswith("." + b) for b in blocked)


async def verify(
    request: InboundRequest, key_lookup: KeyLookup, policy: InboxPolicy
) -> VerifiedSignature | Outcome:
    try:
        return await verify_request(
            request.method,
            request.url,
            request.headers,
            request.body,
            key_lookup,
            max_age=policy.signature_max_age,
        )
    except SignatureError as exc:
        return BadSignature(str(exc) or "signature not verified")


async def authorise(
    doc: dict[str, Any], signature: VerifiedSignature, keys: KeyLookups
) -> Outcome | None:
    """The activity id must live on the actor's host, and the actor must have signed: the
    request itself, or (an activity forwarded or relayed by someone else) the activity's own
    integrity proof or Linked Data Signature."""
    actor = first_id(doc.get("actor")) or ""
    if host_of(doc["id"]) != host_of(actor):
        return NotAllowed("activity id is not on the actor's host")
    if signature.owner == actor:
        return None
    if keys.proof is not None and await signed_by_actor(doc, keys.http, keys.proof) == actor:
        return None
    return NotAllowed(f"signed by {signature.owner}, not by the actor {actor}")


def _is_self_delete(doc: dict[str, Any]) -> bool:
    return doc.get("type") == "Delete" and first_id(doc.get("object")) == first_id(doc.get("actor"))


def row_for(doc: dict[str, Any]) -> dict[str, Any]:
    actor = first_id(doc.get("actor")) or ""
    return {
        "uri": doc["id"],
        "type": doc["type"][:64],
        "actor_uri": actor,
        "object_uri": first_id(doc.get("object")),
        "raw": doc,
        "host": host_of(actor),
    }


async def receive(
    request: InboundRequest, policy: InboxPolicy, keys: KeyLookups | KeyLookup, store: Store
) -> Outcome:
    """Run the whole pipeline for one POST."""
    too_large = check_size(request, policy)
    if too_large:
        return too_large
    doc = parse(request.body)
    if isinstance(doc, Outcome):
        return doc
    blocked = check_blocked(doc, policy)
    if blocked:
        return blocked
    lookups = keys if isinstance(keys, KeyLookups) else KeyLookups(keys)
    signature = await verify(request, lookups.http, policy)
    if isinstance(signature, Outcome):
        if _is_self_delete(doc):
            # An account deleted on its server can no longer prove anything (its key is gone),
            # and there is nothing for us to keep: answer 202 so the peer stops retrying.
            return Accepted("self-delete of an actor we cannot verify: nothing stored")
        return signature
    refused = await authorise(doc, signature, lookups)
    if refused:
        return refused
    await store(row_for(doc))
    return Accepted("stored")
