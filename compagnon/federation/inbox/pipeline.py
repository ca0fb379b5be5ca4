"""The inbox pipeline: size → parse → blocked? → rate → verify → authorise → store.

Each step returns the value the next step needs, or an Outcome that ends the request. Nothing
here has side effects beyond storing the raw activity: handlers run later, in the worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from compagnon.federation.as_types import activity_type, has_type
from compagnon.federation.inbox.outcomes import (
    Accepted,
    BadSignature,
    Malformed,
    NotAllowed,
    Outcome,
    TooLarge,
    TooMany,
)
from compagnon.federation.inbox.rate_limit import HostRateLimiter
from compagnon.federation.inbox.writer import UnstorableActivity
from compagnon.federation.json_limits import DEFAULT_MAX_DEPTH, storage_problem
from compagnon.federation.jsonld import first_id
from compagnon.federation.signing.integrity import signed_by_actor
from compagnon.federation.signing.signatures import (
    KeyLookup,
    SignatureError,
    VerifiedSignature,
    verify_request,
)
from compagnon.federation.urls import host_of

# The columns holding an activity's id, actor and object (storage/models/core.py: Activity).
MAX_URI_LENGTH = 2048

Store = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class InboundRequest:
    method: str
    url: str  # as addressed: scheme://host/path?query
    headers: Mapping[str, str]
    body: bytes
    request_id: str | None = None  # kept with the activity, so the worker's logs carry it


@dataclass(frozen=True)
class KeyLookups:
    http: KeyLookup  # publicKey (RSA) by key id: HTTP and LD signatures
    proof: KeyLookup | None = None  # assertionMethod Multikeys: FEP-8b32 proofs


@dataclass(frozen=True)
class InboxPolicy:
    max_body_bytes: int
    signature_max_age: int
    blocked_hosts: frozenset[str]
    max_json_depth: int = DEFAULT_MAX_DEPTH
    rate_limiter: HostRateLimiter | None = None  # per remote host; None: no limit
    allowed_hosts: frozenset[str] | None = None  # allowlist-only mode; None: open federation


def check_size(request: InboundRequest, policy: InboxPolicy) -> Outcome | None:
    if len(request.body) > policy.max_body_bytes:
        return TooLarge(f"body over {policy.max_body_bytes} bytes")
    return None


def parse(body: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, Any] | Outcome:
    """The activity, or Malformed with the reason; also refuses what could not be stored
    (too deep, NUL characters, ids longer than their columns), so that a stored activity is
    one the writer can always write."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return Malformed(f"body is not JSON: {exc}")
    if not isinstance(doc, dict):
        return Malformed("body must be a JSON object")
    problem = storage_problem(doc, max_depth, body)
    if problem:
        return Malformed(f"activity cannot be stored: {problem}")
    kind = activity_type(doc)
    if kind is None:
        return Malformed("activity has no type")
    actor = first_id(doc.get("actor"))
    if not actor:
        return Malformed("activity has no actor")
    if "id" not in doc and kind == "Delete" and first_id(doc.get("object")):
        doc["id"] = delete_id(doc)
    if not _is_http_url(doc.get("id")):
        return Malformed("activity has no http(s) id")
    if not _is_http_url(actor):
        return Malformed("activity actor is not an http(s) URL")
    too_long = [
        name
        for name, value in (("id", doc["id"]), ("actor", actor), ("object", _object_id(doc)))
        if len(value or "") > MAX_URI_LENGTH
    ]
    if too_long:
        return Malformed(f"activity {too_long[0]} id is longer than {MAX_URI_LENGTH} characters")
    return doc


def _is_http_url(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(("https://", "http://"))
        and bool(host_of(value))
    )


def _object_id(doc: dict[str, Any]) -> str | None:
    return first_id(doc.get("object"))


def delete_id(doc: dict[str, Any]) -> str:
    """GoToSocial sends Deletes without an id. The act is "this actor deletes that object", so
    an id made from both is stable: a repeated Delete is deduplicated like any other."""
    actor, target = first_id(doc.get("actor")) or "", first_id(doc.get("object")) or ""
    return f"{actor}#delete-{hashlib.sha256(target.encode()).hexdigest()[:32]}"


def check_blocked(doc: dict[str, Any], policy: InboxPolicy) -> Outcome | None:
    host = actor_host(doc)
    if is_blocked(host, policy.blocked_hosts):
        return NotAllowed(f"{host} is blocked by this node")
    if policy.allowed_hosts is not None and not is_blocked(host, policy.allowed_hosts):
        return NotAllowed(f"{host} is not on this node's allowlist")
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
    return has_type(doc, "Delete") and first_id(doc.get("object")) == first_id(doc.get("actor"))


def actor_host(doc: dict[str, Any]) -> str:
    return host_of(first_id(doc.get("actor")) or "")


def check_rate(doc: dict[str, Any], policy: InboxPolicy) -> Outcome | None:
    """Take one of the actor's host's tokens (rate_limit.py); TooMany when there is none."""
    if policy.rate_limiter is None:
        return None
    wait = policy.rate_limiter.take(actor_host(doc))
    if wait is None:
        return None
    return TooMany(f"too many activities from {actor_host(doc)}; retry later", retry_after=wait)


def row_for(doc: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    actor = first_id(doc.get("actor")) or ""
    return {
        "request_id": request_id,
        "uri": doc["id"],
        "type": (activity_type(doc) or "")[:64],
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
    doc = parse(request.body, policy.max_json_depth)
    if isinstance(doc, Outcome):
        return doc
    blocked = check_blocked(doc, policy)
    if blocked:
        return blocked
    too_many = check_rate(doc, policy)
    if too_many:
        return too_many
    outcome, verified = await _verified_and_stored(request, doc, policy, keys, store)
    if policy.rate_limiter is not None and not verified:
        # Not shown to be this host's traffic (forged, signed by someone else, an unverifiable
        # self-delete): others naming the host must not spend its allowance.
        policy.rate_limiter.give_back(actor_host(doc))
    return outcome


async def _verified_and_stored(
    request: InboundRequest,
    doc: dict[str, Any],
    policy: InboxPolicy,
    keys: KeyLookups | KeyLookup,
    store: Store,
) -> tuple[Outcome, bool]:
    """The outcome, and whether the actor was shown to have sent the activity."""
    lookups = keys if isinstance(keys, KeyLookups) else KeyLookups(keys)
    signature = await verify(request, lookups.http, policy)
    if isinstance(signature, Outcome):
        if _is_self_delete(doc):
            # An account deleted on its server can no longer prove anything (its key is gone),
            # and there is nothing for us to keep: answer 202 so the peer stops retrying.
            return Accepted("self-delete of an actor we cannot verify: nothing stored"), False
        return signature, False
    refused = await authorise(doc, signature, lookups)
    if refused:
        return refused, False
    try:
        await store(row_for(doc, request.request_id))
    except UnstorableActivity as exc:
        return Malformed(f"activity cannot be stored: {exc}"), True
    return Accepted("stored"), True
