"""Our use of object signatures: every local actor has an Ed25519 key published as a Multikey
in `assertionMethod` (FEP-521a); every activity we send carries an `eddsa-jcs-2022` integrity
proof (FEP-8b32); an activity forwarded by someone other than its actor is accepted when its
own proof or Linked Data Signature (RsaSignature2017) shows the actor signed it.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compagnon.federation.jsonld import ACTIVITY_CONTEXT, ACTOR_CONTEXT
from compagnon.federation.signing.ld_signatures import verify_ld_signature
from compagnon.federation.signing.proofs import (
    ProofError,
    multikey,
    sign_object_proof,
    verify_object_proof,
)
from compagnon.federation.signing.signatures import KeyLookup, load_private_key
from compagnon.storage.models import Actor


def proof_key_id(actor_uri: str) -> str:
    return f"{actor_uri}#ed25519-key"


def _proof_key(actor: Actor) -> Ed25519PrivateKey | None:
    if not actor.proof_private_key_pem:
        return None
    key = load_private_key(actor.proof_private_key_pem)
    return key if isinstance(key, Ed25519PrivateKey) else None


def with_assertion_method(doc: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """The actor document with its Ed25519 Multikey in assertionMethod (and the context)."""
    key = _proof_key(actor)
    if key is None:
        return doc
    return {
        **doc,
        "@context": ACTOR_CONTEXT,
        "assertionMethod": [multikey(proof_key_id(actor.uri), actor.uri, key.public_key())],
    }


def signed_activity(doc: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """The activity with the data-integrity context and an FEP-8b32 proof by its actor."""
    key = _proof_key(actor)
    if key is None:
        return doc
    return sign_object_proof({**doc, "@context": ACTIVITY_CONTEXT}, proof_key_id(actor.uri), key)


async def signed_by_actor(
    doc: dict[str, Any], http_keys: KeyLookup, proof_keys: KeyLookup
) -> str | None:
    """The actor id when the activity itself proves its actor signed it (an FEP-8b32 proof,
    else an LD signature), None when it carries neither valid one."""
    if "proof" in doc:
        try:
            return await verify_object_proof(doc, proof_keys, owner_property="actor")
        except ProofError:
            pass
    if "signature" in doc:
        try:
            return await verify_ld_signature(doc, http_keys, owner_property="actor")
        except ProofError:
            pass
    return None
