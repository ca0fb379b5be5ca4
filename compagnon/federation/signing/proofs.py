"""Signatures on objects: FEP-8b32 integrity proofs (`eddsa-jcs-2022`) and what they share.

This module owns:
- `ProofError`, the only exception the object-signature verifiers raise (here and in
  `ld_signatures.py`), and the helpers both verifiers use: the key-owner rule, timestamps;
- `sign_object_proof` / `verify_object_proof`: a Data Integrity `DataIntegrityProof` with the
  `eddsa-jcs-2022` cryptosuite (W3C vc-di-eddsa §3.3): JCS (RFC 8785) canonical JSON, SHA-256,
  Ed25519, `proofValue` in multibase base58btc, as FEP-8b32 profiles it for ActivityPub;
- the Multikey form of Ed25519 public keys that actors publish in `assertionMethod` (FEP-521a):
  `ed25519_multibase`, `public_key_from_multibase`, `multikey`.

Everything is a pure function: no network, no database; the key lookup is passed in.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import base58
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from compagnon.federation.jsonld import first_id
from compagnon.federation.signing.keys import KeyLookup, PubKey, verify_bytes
from compagnon.federation.signing.signatures_common import (
    Attempt,
    SignatureError,
    as_utc,
    verify_with_key,
)

__all__ = [
    "ASSERTION_METHOD",
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "ProofError",
    "ed25519_multibase",
    "hash_data",
    "multikey",
    "public_key_from_multibase",
    "sign_object_proof",
    "verify_object_proof",
]

PROOF_TYPE: Final = "DataIntegrityProof"
CRYPTOSUITE: Final = "eddsa-jcs-2022"
ASSERTION_METHOD: Final = "assertionMethod"

# Multicodec `ed25519-pub` (0xed) as an unsigned varint: the two bytes before the raw key.
_ED25519_PUB: Final = b"\xed\x01"
# base58 decoding is quadratic in the length of its input; the longest value we ever decode (a
# 64-byte signature) takes 88 characters, so anything much longer is refused unread.
_MAX_MULTIBASE: Final = 128
# Key ids are quoted in error messages and passed to the key lookup; real ones are short URLs.
_MAX_KEY_ID: Final = 1024
# A proof set this long is not something a peer sends; verifying each costs a key lookup.
_MAX_PROOFS: Final = 8


class ProofError(Exception):
    """An object signature cannot be accepted; `reason` is meant for the sending node's admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- Multikey (FEP-521a) ------------------------------------------------------------------------


def ed25519_multibase(public_key: Ed25519PublicKey) -> str:
    """`publicKeyMultibase` of an Ed25519 key: "z" + base58btc(0xed 0x01 + the 32 key bytes)."""
    raw = _ED25519_PUB + public_key.public_bytes_raw()
    return "z" + base58.b58encode(raw).decode("ascii")


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    """The Ed25519 key in a `publicKeyMultibase` value; ValueError for anything else."""
    raw = _decode_base58btc(text)
    if len(raw) != 34 or raw[:2] != _ED25519_PUB:
        raise ValueError("publicKeyMultibase is not an Ed25519 public key (0xed01 + 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def multikey(key_id: str, controller: str, public_key: Ed25519PublicKey) -> dict[str, str]:
    """The `Multikey` entry an actor lists in `assertionMethod` (FEP-521a)."""
    return {
        "id": key_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": ed25519_multibase(public_key),
    }


def _decode_base58btc(text: object) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("not multibase base58btc (it must be text starting with 'z')")
    if len(text) > _MAX_MULTIBASE:
        raise ValueError(f"multibase value longer than {_MAX_MULTIBASE} characters")
    return base58.b58decode(text[1:])  # ValueError on characters outside the alphabet


# --- eddsa-jcs-2022 -----------------------------------------------------------------------------


def hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """What Ed25519 signs (vc-di-eddsa §3.3.4): SHA-256(JCS(proof config)) + SHA-256(JCS(doc)).

    ValueError (rfc8785's CanonicalizationError) or RecursionError if either is not JCS-able.
    """
    return _jcs_digest(proof_config) + _jcs_digest(document)


def _jcs_digest(value: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(rfc8785.dumps(value)).digest()


def sign_object_proof(
    doc: Mapping[str, Any],
    verification_method: str,
    private_key: Ed25519PrivateKey,
    created: datetime | None = None,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """A copy of `doc` with an `eddsa-jcs-2022` `proof`, signed by `verification_method`.

    The proof carries the document's `@context`, as the FEP-8b32 test vector does. ValueError if
    `doc` already has a `proof` or a `signature` (FEP-8b32: the proof comes before the LD
    signature, which would not cover it otherwise), or cannot be canonicalised.
    """
    if "proof" in doc or "signature" in doc:
        raise ValueError("sign the integrity proof first, on a document without proof/signature")
    config: dict[str, Any] = {}
    if "@context" in doc:
        config["@context"] = copy.deepcopy(doc["@context"])
    config |= {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
        "created": xsd_datetime(created),
    }
    try:
        signature = private_key.sign(hash_data(doc, config))
    except RecursionError as exc:
        raise ValueError("the document is nested too deeply to canonicalise") from exc
    signed = copy.deepcopy(dict(doc))
    signed["proof"] = {**config, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}
    return signed


async def verify_object_proof(
    doc: Mapping[str, Any],
    key_lookup: KeyLookup,
    *,
    owner_property: str | None = "actor",
    now: datetime | None = None,
) -> str:
    """Verify the `eddsa-jcs-2022` proof of `doc`; return the owner of the key that made it.

    The proof must be a `DataIntegrityProof`, `eddsa-jcs-2022`, for `assertionMethod`, and not
    past its `expires` (checked against `now`, default the clock). The key
    (`verificationMethod`) comes from `key_lookup` and must be Ed25519; its owner must be
    the id in `doc[owner_property]` ("actor" for an activity, "attributedTo" for an object, "id"
    for an actor; None leaves the comparison to the caller). With a proof set (a list), the
    first proof that verifies wins. Raises ProofError, and nothing else, on any failure.
    """
    if not isinstance(doc, Mapping):
        raise ProofError("the document is not a JSON object")
    proofs = _proof_list(doc.get("proof"))
    expected = owner_to_match(doc, owner_property)
    # FEP-8b32: an LD signature is added after the proof, so the proof never covers it.
    unsecured = {key: value for key, value in doc.items() if key not in ("proof", "signature")}
    failures: list[str] = []
    for proof in proofs:
        try:
            return await _verify_proof(unsecured, proof, key_lookup, expected, now)
        except ProofError as exc:
            failures.append(exc.reason)
    raise ProofError("; ".join(failures))


def _proof_list(value: object) -> list[object]:
    if value is None:
        raise ProofError("the document has no integrity proof")
    proofs = value if isinstance(value, list) else [value]
    if not proofs or len(proofs) > _MAX_PROOFS:
        raise ProofError(f"a proof set must hold 1 to {_MAX_PROOFS} proofs, not {len(proofs)}")
    return proofs


async def _verify_proof(
    unsecured: dict[str, Any],
    proof: object,
    key_lookup: KeyLookup,
    expected_owner: str | None,
    now: datetime | None,
) -> str:
    if not isinstance(proof, dict):
        raise ProofError("a proof is not a JSON object")
    method, signature = _check_proof(proof, now)
    candidates = _signed_hashes(unsecured, proof)

    def attempt(key: PubKey) -> str | None:
        if not isinstance(key, Ed25519PublicKey):
            return "the verification method is not an Ed25519 key"
        if any(verify_bytes(key, signature, data, "ed25519") for data in candidates):
            return None
        return "the integrity proof does not verify"

    return await key_owner(method, key_lookup, attempt, expected_owner)


def _check_proof(proof: dict[str, Any], now: datetime | None) -> tuple[str, bytes]:
    """The verification method and signature bytes of a proof we know how to verify."""
    for name, wanted in (
        ("type", PROOF_TYPE),
        ("cryptosuite", CRYPTOSUITE),
        # FEP-8b32: an object's proof asserts it; other purposes (authentication) are not ours.
        ("proofPurpose", ASSERTION_METHOD),
    ):
        if proof.get(name) != wanted:
            raise ProofError(f"proof {name} {describe(proof.get(name))} is not {wanted!r}")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise ProofError("the proof has no verificationMethod")
    _check_expires(proof.get("expires"), now)
    try:
        signature = _decode_base58btc(proof.get("proofValue"))
    except ValueError as exc:
        raise ProofError(f"proofValue: {exc}") from None
    if len(signature) != 64:
        raise ProofError("proofValue is not an Ed25519 signature (64 bytes)")
    return method, signature


def _check_expires(value: object, now: datetime | None) -> None:
    if value is None:
        return
    try:
        expires = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        expires = None
    if expires is None:
        raise ProofError(f"proof expires {describe(value)} is not a date-time")
    if as_utc(expires) < as_utc(now):
        raise ProofError(f"the proof expired at {value}")


def _signed_hashes(unsecured: dict[str, Any], proof: dict[str, Any]) -> list[bytes]:
    """The data the proof may have signed: one candidate, or two for a proof without @context."""
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    try:
        if "@context" in config:
            # vc-di-eddsa §3.3.2: the document's @context must start with the proof's, and the
            # document is then hashed under the proof's @context.
            if not _starts_with(unsecured.get("@context"), config["@context"]):
                raise ProofError("the proof's @context does not begin the document's @context")
            return [hash_data({**unsecured, "@context": config["@context"]}, config)]
        document = _jcs_digest(unsecured)
        candidates = []
        if "@context" in unsecured:
            # Fedify signs the proof options with the document's @context (the vc-di-eddsa proof
            # configuration) but publishes the proof without it.
            candidates.append(_jcs_digest({**config, "@context": unsecured["@context"]}) + document)
        # FEP-8b32 from August 2023 to June 2024 (and its implementations) put no @context there.
        candidates.append(_jcs_digest(config) + document)
        return candidates
    except (ValueError, RecursionError) as exc:
        raise ProofError(f"the document is not canonical-JSON-able (RFC 8785): {exc}") from None


def _starts_with(document_context: object, proof_context: object) -> bool:
    def as_list(context: object) -> list[object]:
        return context if isinstance(context, list) else [context]

    doc_list, proof_list = as_list(document_context), as_list(proof_context)
    return len(proof_list) <= len(doc_list) and doc_list[: len(proof_list)] == proof_list


# --- shared by both object-signature verifiers --------------------------------------------------


def owner_to_match(doc: Mapping[str, Any], owner_property: str | None) -> str | None:
    """The id the signing key's owner must equal, read from `doc[owner_property]`."""
    if owner_property is None:
        return None
    owner = first_id(doc.get(owner_property))
    if owner is None:
        raise ProofError(f"the document has no {owner_property!r} to match the key's owner")
    return owner


async def key_owner(
    key_id: str, key_lookup: KeyLookup, attempt: Attempt, expected_owner: str | None
) -> str:
    """Verify with the key (refetched once if it fails, it may have rotated); return its owner."""
    if len(key_id) > _MAX_KEY_ID:
        raise ProofError(f"the key id is longer than {_MAX_KEY_ID} characters")
    try:
        info = await verify_with_key(key_id, key_lookup, attempt)
    except SignatureError as exc:
        raise ProofError(exc.reason) from None
    if expected_owner is not None and info.owner != expected_owner:
        raise ProofError(
            f"key {key_id!r} belongs to {describe(info.owner)}, not to {describe(expected_owner)}"
        )
    return info.owner


def xsd_datetime(moment: datetime | None) -> str:
    """UTC to the second with a Z, the form Mastodon and the FEP-8b32 vectors use."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe(value: object) -> str:
    """A value from a remote document, for an error message: text quoted and cut short, other
    values by type only (their repr could be huge, or too deeply nested to print)."""
    if value is None:
        return "(missing)"
    if not isinstance(value, str):
        return f"(a JSON {type(value).__name__})"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
