"""JSON-LD for federation: the pinned contexts, the offline document loader, the helpers.

This module owns:
- the JSON-LD contexts we ship (``contexts/*.json``, sources in ``contexts/README.md``) and the
  URL → file table ``CONTEXT_URLS``;
- ``document_loader``: pyld's loader that serves only those files and never goes to the network;
- ``expand`` / ``compact``: pyld wrappers bound to that loader;
- ``OUR_CONTEXT``: the ``@context`` on everything we publish (the wire format of DESIGN.md §4);
- small readers for remote JSON that do not need expansion (DESIGN.md §4: inbound payloads are
  handled as JSON once their ``@context`` is checked): ``has_activitystreams_context``,
  ``is_public``, ``audience``, ``ids``, ``first_id``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

from pyld import jsonld
from pyld.jsonld import JsonLdError

__all__ = [
    "ACTIVITY_CONTEXT",
    "ACTOR_CONTEXT",
    "AS_CONTEXT",
    "AS_PUBLIC",
    "CONTEXT_URLS",
    "OUR_CONTEXT",
    "JsonLdError",
    "audience",
    "compact",
    "document_loader",
    "expand",
    "first_id",
    "has_activitystreams_context",
    "ids",
    "is_public",
]

CONTEXTS_DIR: Final = Path(__file__).parent / "contexts"

AS_CONTEXT: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_V1: Final = "https://w3id.org/security/v1"
AS_PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"

# Spellings of the ActivityStreams context URL seen in the wild. Mastodon only requires the
# https form; others send http, the .jsonld file name or a trailing slash.
_AS_URLS: Final = frozenset(
    f"{scheme}://www.w3.org/ns/activitystreams{suffix}"
    for scheme in ("https", "http")
    for suffix in ("", ".jsonld", "/")
)
_SCHEMA_ORG_URLS: Final = frozenset(
    f"{scheme}://schema.org{suffix}" for scheme in ("https", "http") for suffix in ("", "/")
)

CONTEXT_URLS: Final[dict[str, str]] = {
    **dict.fromkeys(sorted(_AS_URLS), "activitystreams.json"),
    SECURITY_V1: "security-v1.json",
    # Old Mastodon and Pleroma documents point at the CCG's GitHub copy of security v1.
    "https://w3c-ccg.github.io/security-vocab/contexts/security-v1.jsonld": "security-v1.json",
    "https://w3id.org/security/v2": "security-v2.json",
    "https://w3id.org/security/data-integrity/v1": "security-data-integrity-v1.json",
    "https://w3id.org/security/data-integrity/v2": "security-data-integrity-v2.json",
    "https://w3id.org/security/multikey/v1": "security-multikey-v1.json",
    "https://w3id.org/identity/v1": "identity-v1.json",
    # Fedify puts did/v1 in every actor's @context; Mastodon 4.6 adds the webfinger one.
    "https://www.w3.org/ns/did/v1": "did-v1.json",
    "https://purl.archive.org/socialweb/webfinger": "webfinger.json",
    "https://gotosocial.org/ns": "gotosocial.json",
    # Mastodon never served this URL (it inlines the terms) but Bonfire and others link it.
    "http://joinmastodon.org/ns": "joinmastodon.json",
    "https://joinmastodon.org/ns": "joinmastodon.json",
    **dict.fromkeys(sorted(_SCHEMA_ORG_URLS), "schemaorg.json"),
    # Open Badges 3.0 credentials (shared/reference/open-badge-3.example.json) are VCs v2.
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.json",
    # Our AMB records (DESIGN.md §4) and the ones aggregators harvest use this context.
    "https://w3id.org/kim/amb/context.jsonld": "amb.json",
}

_SCHEMA: Final = "http://schema.org/"
_SKOS: Final = "http://www.w3.org/2004/02/skos/core#"

# The inline part of OUR_CONTEXT. The schema.org block is copied from
# shared/reference/learning-resource.activity.json, the design's wire format: change both or
# neither. Country: an actor carries `addressCountry` (schema.org, an ISO 3166-1 alpha-2 code)
# rather than `vcard:country-name`: a code is what aggregators group by, and schema.org is a
# vocabulary we already speak, so no vcard prefix is defined.
_INLINE_CONTEXT: Final[dict[str, Any]] = {
    "toot": "http://joinmastodon.org/ns#",
    "schema": _SCHEMA,
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "votersCount": "toot:votersCount",  # a Question's voters (Mastodon's polls)
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "addressCountry": "schema:addressCountry",
    # --- from learning-resource.activity.json, verbatim ---
    "sdo": _SCHEMA,
    "skos": _SKOS,
    "LearningResource": "sdo:LearningResource",
    "Concept": "skos:Concept",
    "AlignmentObject": "sdo:AlignmentObject",
    "prefLabel": {"@id": "skos:prefLabel", "@container": "@language"},
    "license": {"@id": "sdo:license", "@type": "@id"},
    "inLanguage": "sdo:inLanguage",
    "keywords": "sdo:keywords",
    "learningResourceType": "sdo:learningResourceType",
    "educationalLevel": "sdo:educationalLevel",
    "educationalAudience": "sdo:audience",
    "teaches": "sdo:teaches",
    "assesses": "sdo:assesses",
    "competencyRequired": "sdo:competencyRequired",
    "educationalAlignment": "sdo:educationalAlignment",
    "alignmentType": "sdo:alignmentType",
    "educationalFramework": "sdo:educationalFramework",
    "targetName": "sdo:targetName",
    "targetUrl": {"@id": "sdo:targetUrl", "@type": "@id"},
    "timeRequired": "sdo:timeRequired",
    "isBasedOn": {"@id": "sdo:isBasedOn", "@type": "@id"},
    "translationOfWork": {"@id": "sdo:translationOfWork", "@type": "@id"},
    "isPartOf": {"@id": "sdo:isPartOf", "@type": "@id"},
    "Hashtag": "as:Hashtag",
    # --- ours, beyond the reference (FEDERATION.md, "A learning resource"): the plain
    # description per language (a resource sends no `summary`: Mastodon folds it as a content
    # warning), the trade it prepares for, and the trainer and centre behind it.
    "description": {"@id": "sdo:description", "@container": "@language"},
    "occupation": "sdo:occupationalCategory",
    "creator": {"@id": "sdo:creator", "@type": "@id"},
    "publisher": {"@id": "sdo:publisher", "@type": "@id"},
    # A file's size in bytes on its `Document` attachment, as AMB's `encoding` writes it.
    "contentSize": "sdo:contentSize",
    # a learning journey's phase names the achievement it leads to (learning-journey.example)
    "educationalCredentialAwarded": {"@id": "sdo:educationalCredentialAwarded", "@type": "@id"},
    # --- events (FEDERATION.md, "Events"): Mobilizon's terms, so its readers and ours agree
    "mz": "https://joinmobilizon.org/ns#",
    "timezone": "mz:timezone",
    "isOnline": "mz:isOnline",
    "participantCount": "mz:participantCount",
    "maximumAttendeeCapacity": "sdo:maximumAttendeeCapacity",
    "remainingAttendeeCapacity": "sdo:remainingAttendeeCapacity",
    "PostalAddress": "sdo:PostalAddress",
    "address": "sdo:address",
    "streetAddress": "sdo:streetAddress",
}

OUR_CONTEXT: Final[list[str | dict[str, Any]]] = [AS_CONTEXT, SECURITY_V1, _INLINE_CONTEXT]
MULTIKEY_V1: Final = "https://w3id.org/security/multikey/v1"
DATA_INTEGRITY_V1: Final = "https://w3id.org/security/data-integrity/v1"
# Actors also publish an Ed25519 Multikey in assertionMethod (FEP-521a).
ACTOR_CONTEXT: Final[list[str | dict[str, Any]]] = [
    AS_CONTEXT,
    SECURITY_V1,
    MULTIKEY_V1,
    _INLINE_CONTEXT,
]
# Activities carry an FEP-8b32 integrity proof, whose terms data-integrity/v1 defines.
ACTIVITY_CONTEXT: Final[list[str | dict[str, Any]]] = [
    AS_CONTEXT,
    SECURITY_V1,
    DATA_INTEGRITY_V1,
    _INLINE_CONTEXT,
]

_PUBLIC_SPELLINGS: Final = frozenset(
    {AS_PUBLIC, "http://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
)
_ADDRESS_FIELDS: Final = ("to", "cc", "bto", "bcc", "audience")


@cache
def _context_file(name: str) -> dict[str, Any]:
    """Parse one shipped context file, once per process."""
    parsed: dict[str, Any] = json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
    return parsed


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader that serves the shipped contexts and refuses everything else.

    ``tag: static`` lets pyld keep the processed context in its shared cache, so each context
    is processed once per process, not once per call (DESIGN.md §10: 0.8 ms instead of 1.6 ms).
    """
    name = CONTEXT_URLS.get(url)
    if name is None:
        raise JsonLdError(
            f"JSON-LD context {url!r} is not shipped with Compagnon; contexts are never fetched",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        # A copy: pyld resolves relative @context URLs in place, and the parsed file is shared.
        "document": copy.deepcopy(_context_file(name)),
        "tag": "static",
    }


def _options(base: str | None) -> dict[str, Any]:
    # pyld resolves relative IRIs against http://example.org/base/ when no base is given;
    # None keeps them relative instead of inventing an IRI on someone else's domain.
    return {"documentLoader": document_loader, "base": base}


def _run(operation: str, call: Callable[[], object]) -> object:
    """Run a pyld call so that bad input only ever raises JsonLdError."""
    try:
        return call()
    except JsonLdError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # pyld lets some malformed input through as plain Python errors; callers handling
        # remote JSON should have one exception to catch.
        raise JsonLdError(f"{operation} failed: {exc}", f"jsonld.{operation}Error") from exc


def expand(doc: Mapping[str, Any] | list[Any], *, base: str | None = None) -> list[Any]:
    """Expand a document with the offline loader (~1 ms warm). Raises JsonLdError only.

    ``base`` (usually the URL the document was fetched from) resolves relative IRIs.
    """
    result = _run("Expand", lambda: jsonld.expand(doc, _options(base)))
    if not isinstance(result, list):
        raise JsonLdError("expansion did not give a list", "jsonld.ExpandError")
    return result


def compact(
    doc: Mapping[str, Any] | list[Any], context: Any, *, base: str | None = None
) -> dict[str, Any]:
    """Compact a document against ``context`` with the offline loader (~3 ms: not inbound)."""
    result = _run("Compact", lambda: jsonld.compact(doc, context, _options(base)))
    if not isinstance(result, dict):
        raise JsonLdError("compaction did not give an object", "jsonld.CompactError")
    return result


def has_activitystreams_context(doc: Mapping[str, Any]) -> bool:
    """True when ``@context`` is, or lists, the ActivityStreams context URL (any spelling)."""
    context = doc.get("@context")
    entries = context if isinstance(context, list) else [context]
    return any(isinstance(entry, str) and entry in _AS_URLS for entry in entries)


def is_public(value: object) -> bool:
    """True for the Public collection in any of its spellings (bovine sends ``as:Public``)."""
    return isinstance(value, str) and value in _PUBLIC_SPELLINGS


def ids(value: object) -> list[str]:
    """The ids in a value that may be a string, an object with ``id``/``href``, or a list.

    Anything else (numbers, nested lists, objects without an id) is skipped, not an error:
    this reads untrusted JSON.
    """
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("id", item.get("href"))
        if isinstance(item, str) and item:
            found.append(item)
    return found


def first_id(value: object) -> str | None:
    """The first id in ``value`` (see ``ids``), or None."""
    found = ids(value)
    return found[0] if found else None


def audience(obj: Mapping[str, Any]) -> set[str]:
    """Every addressee in to/cc/bto/bcc/audience, with Public spelled as ``AS_PUBLIC``."""
    found: set[str] = set()
    for field in _ADDRESS_FIELDS:
        for item in ids(obj.get(field)):
            found.add(AS_PUBLIC if is_public(item) else item)
    return found
