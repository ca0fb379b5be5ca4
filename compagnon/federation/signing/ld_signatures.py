"""Linked Data Signatures 1.0 (`RsaSignature2017`), as Mastodon signs relayed activities.

This module owns `sign_ld_signature` / `verify_ld_signature` and the canonical form they hash.
The signed data is Mastodon's (app/lib/activitypub/linked_data_signature.rb):
hex(SHA-256(URDNA2015 of the signature options under identity/v1)) followed by
hex(SHA-256(URDNA2015 of the document without `signature`)), signed with RSASSA-PKCS1-v1_5 and
SHA-256, base64 in `signatureValue`.

Canonicalisation is pyld's URDNA2015 with the offline loader of `jsonld.py`: a document whose
@context names a context we do not ship cannot be verified (contexts are never fetched). It runs
under a work limit (`_BoundedURDNA2015`), because URDNA2015 is exponential on graphs of blank
nodes built for it and the document comes from anyone. Pure functions: the key lookup is passed
in; every failure is a `proofs.ProofError`.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pyld import jsonld as pyld_jsonld
from pyld.canon import URDNA2015

from compagnon.federation.jsonld import SECURITY_V1, JsonLdError, document_loader
from compagnon.federation.signing.keys import KeyLookup, KeyObj, PubKey, sign_bytes, verify_bytes
from compagnon.federation.signing.proofs import (
    ProofError,
    describe,
    key_owner,
    owner_to_match,
    xsd_datetime,
)

__all__ = [
    "IDENTITY_V1",
    "SIGNATURE_TYPE",
    "canonical_nquads",
    "sign_ld_signature",
    "signed_data",
    "verify_ld_signature",
]

SIGNATURE_TYPE: Final = "RsaSignature2017"
# The context Mastodon puts on the signature options before hashing them, whatever they carry.
IDENTITY_V1: Final = "https://w3id.org/identity/v1"
# Signature fields that are not signed options: Mastodon drops exactly these three.
_UNSIGNED_FIELDS: Final = ("type", "id", "signatureValue")

# Limits on URDNA2015's "hash N-degree quads" step, the only one that can blow up. Real activities
# need none of it (their blank nodes, tags and collection pages, hash apart at the first degree);
# a few calls and groups of 2-3 alike blank nodes already cover duplicated tags.
_MAX_DEEP_CALLS: Final = 256
_MAX_ALIKE_BLANK_NODES: Final = 6

# Errors pyld lets out on malformed input besides its own JsonLdError (see jsonld._run).
_PYLD_ERRORS: Final = (
    JsonLdError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    RecursionError,
)


class _TooComplex(ValueError):
    """The blank-node structure would make canonicalisation too slow to attempt."""


# pyld ships no type information, so its class is Any to mypy.
class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    """URDNA2015 that gives up on graphs built to make it exponential (poisoned blank nodes)."""

    def __init__(self) -> None:
        super().__init__()
        self._deep_calls = 0

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        # Called once per Hash N-Degree Quads run; the permutations that follow are over each
        # group of alike related blank nodes, so bounding both bounds the whole step.
        self._deep_calls += 1
        if self._deep_calls > _MAX_DEEP_CALLS:
            raise _TooComplex("too many indistinguishable blank nodes")
        related: dict[str, list[str]] = super().create_hash_to_related(id_, issuer)
        if any(len(nodes) > _MAX_ALIKE_BLANK_NODES for nodes in related.values()):
            raise _TooComplex("too many alike blank nodes around one node")
        return related


def canonical_nquads(doc: Mapping[str, Any]) -> str:
    """URDNA2015 N-Quads of `doc` with the offline loader; pyld's errors or _TooComplex."""
    dataset = pyld_jsonld.to_rdf(doc, {"documentLoader": document_loader})
    nquads: str = _BoundedURDNA2015().main(dataset, {"format": "application/n-quads"})
    return nquads


def _hex_digest(doc: Mapping[str, Any], what: str) -> str:
    try:
        nquads = canonical_nquads(doc).encode("utf-8")
    except _PYLD_ERRORS as exc:
        raise ProofError(f"{what} cannot be canonicalised: {_reason(exc)}") from None
    return hashlib.sha256(nquads).hexdigest()


def _reason(exc: BaseException) -> str:
    # pyld wraps the useful message (e.g. "context ... is not shipped") in generic ones.
    while isinstance(exc.__cause__, JsonLdError):
        exc = exc.__cause__
    message = getattr(exc, "message", None) if isinstance(exc, JsonLdError) else None
    text = message if isinstance(message, str) else str(exc)
    return text if len(text) <= 200 else text[:197] + "..."


def signed_data(doc: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    """The bytes RSA signs: hex(options hash) + hex(document hash), ASCII. ProofError if either
    cannot be canonicalised. `options` is the `signature` object (unsigned fields are dropped)."""
    signed_options = {key: value for key, value in options.items() if key not in _UNSIGNED_FIELDS}
    signed_options["@context"] = IDENTITY_V1
    document = {key: value for key, value in doc.items() if key != "signature"}
    options_hash = _hex_digest(signed_options, "the signature options")
    return (options_hash + _hex_digest(document, "the document")).encode("ascii")


def sign_ld_signature(
    doc: Mapping[str, Any], key_id: str, private_key: KeyObj, created: datetime | None = None
) -> dict[str, Any]:
    """A copy of `doc` with an `RsaSignature2017` `signature` by `key_id` (an RSA key).

    Like Mastodon, the copy's @context gains security/v1 (which defines `signature`); unlike
    Mastodon, that happens before hashing, so the signature covers the @context as sent.
    ValueError if the key is not RSA or the document cannot be canonicalised.
    """
    signed = copy.deepcopy({key: value for key, value in doc.items() if key != "signature"})
    signed["@context"] = _with_security_context(signed.get("@context"))
    options = {"type": SIGNATURE_TYPE, "creator": key_id, "created": xsd_datetime(created)}
    try:
        data = signed_data(signed, options)
    except ProofError as exc:
        raise ValueError(exc.reason) from None
    value = sign_bytes(private_key, data, "rsa-v1_5-sha256")
    signed["signature"] = {**options, "signatureValue": base64.b64encode(value).decode("ascii")}
    return signed


def _with_security_context(context: object) -> object:
    if context is None:
        return SECURITY_V1
    entries = context if isinstance(context, list) else [context]
    return entries if SECURITY_V1 in entries else [*entries, SECURITY_V1]


async def verify_ld_signature(
    doc: Mapping[str, Any], key_lookup: KeyLookup, *, owner_property: str | None = "actor"
) -> str:
    """Verify the `RsaSignature2017` of `doc`; return the owner of the `creator` key.

    The owner must also be the id in `doc[owner_property]` (the activity's actor by default;
    None leaves the comparison to the caller). Nothing is fetched: the key comes from
    `key_lookup`, contexts from the shipped files. Raises ProofError, and nothing else.
    """
    if not isinstance(doc, Mapping):
        raise ProofError("the document is not a JSON object")
    creator, signature, options = _read_signature(doc.get("signature"))
    expected = owner_to_match(doc, owner_property)
    data = signed_data(doc, options)

    def attempt(key: PubKey) -> str | None:
        if not isinstance(key, RSAPublicKey):
            return "the creator's key is not an RSA key"
        if verify_bytes(key, signature, data, "rsa-v1_5-sha256"):
            return None
        return "the LD signature does not verify"

    return await key_owner(creator, key_lookup, attempt, expected)


def _read_signature(value: object) -> tuple[str, bytes, dict[str, Any]]:
    """The creator key id, the signature bytes and the whole `signature` object."""
    if value is None:
        raise ProofError("the document has no LD signature")
    if not isinstance(value, dict):
        raise ProofError("signature is not a JSON object")
    if value.get("type") != SIGNATURE_TYPE:
        raise ProofError(f"signature type {describe(value.get('type'))} is not {SIGNATURE_TYPE}")
    creator, encoded = value.get("creator"), value.get("signatureValue")
    if not isinstance(creator, str) or not creator:
        raise ProofError("the signature has no creator")
    if not isinstance(encoded, str):
        raise ProofError("the signature has no signatureValue")
    try:
        # Non-ASCII text makes b64decode raise a plain ValueError, not binascii.Error.
        signature = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise ProofError("signatureValue is not valid base64") from None
    return creator, signature, value
