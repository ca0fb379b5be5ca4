"""FEP-8b32 integrity proofs (`eddsa-jcs-2022`) against the published vectors
(tests/unit/vectors/README.md says where each file comes from): the FEP-8b32 test vector,
today's and its August 2023 form, and W3C vc-di-eddsa's eddsa-jcs-2022 vector with its
intermediate values. Our own round trips, tampering and garbage are test_proofs.py's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import base58
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compagnon.federation.signing.proofs import (
    ProofError,
    ed25519_multibase,
    hash_data,
    multikey,
    public_key_from_multibase,
    sign_object_proof,
    verify_object_proof,
)
from tests.unit.proof_support import ALICE, ALICE_KEY, CREATED, Lookup

VECTORS = Path(__file__).parent / "vectors"
FEP = VECTORS / "fep8b32" / "fep-8b32.feature"
FEP_2023 = VECTORS / "fep8b32" / "fep-8b32-2023-08.feature"
W3C = VECTORS / "vc-di-eddsa"


# -- reading the vector files ------------------------------------------------------------------


def feature_documents(path: Path) -> list[dict[str, Any]]:
    """The JSON documents of a Gherkin feature file (its triple-quoted blocks), in order."""
    return [
        json.loads(block) for block in re.findall(r'"""\n(.*?)\n\s*"""', path.read_text(), re.S)
    ]


def feature_value(path: Path, pattern: str) -> str:
    found = re.search(pattern + r' "([^"]+)"', path.read_text())
    assert found is not None, pattern
    return found.group(1)


def secret_key(text: str) -> Ed25519PrivateKey:
    """A multibase `ed25519-priv` secret key (multicodec 0x1300 as the varint 0x80 0x26)."""
    raw = base58.b58decode(text[1:])
    assert text[0] == "z" and raw[:2] == b"\x80\x26" and len(raw) == 34
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def fep_key(path: Path) -> Ed25519PrivateKey:
    return secret_key(feature_value(path, r"Ed25519 (?:secret key|Private Key)"))


def w3c(name: str) -> str:
    return (W3C / name).read_text().strip()


def w3c_json(name: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(w3c(name))
    return parsed


# -- FEP-8b32's own test vector ----------------------------------------------------------------


async def test_fep_vector_verifies_with_the_actors_assertion_method() -> None:
    signed, actor = feature_documents(FEP)[2:4]
    [method] = actor["assertionMethod"]
    lookup = Lookup({method["id"]: public_key_from_multibase(method["publicKeyMultibase"])})
    assert await verify_object_proof(signed, lookup) == ALICE
    assert lookup.calls == [(ALICE_KEY, False)]


def test_fep_vector_is_reproduced_byte_for_byte() -> None:
    document, expected = feature_documents(FEP)[:2]
    assert feature_value(FEP, "current time") == "2023-02-24T23:36:38Z"
    assert feature_value(FEP, "for key") == ALICE_KEY
    signed = sign_object_proof(document, ALICE_KEY, fep_key(FEP), created=CREATED)
    assert signed == expected
    assert signed["proof"]["proofValue"] == (
        "zLaewdp4H9kqtwyrLatK4cjY5oRHwVcw4gibPSUDYDMhi4M49v8pcYk3ZB6D69dNpAPbUmY8ocuJ3m9KhKJEEg7z"
    )


def test_fep_vector_secret_key_matches_the_published_multikey() -> None:
    actor = feature_documents(FEP)[3]
    public = fep_key(FEP).public_key()
    assert ed25519_multibase(public) == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    assert multikey(ALICE_KEY, ALICE, public) == actor["assertionMethod"][0]


async def test_fep_2023_vector_without_proof_context_verifies() -> None:
    """FEP-8b32 as of August 2023: the proof options were signed without any @context."""
    document, signed = feature_documents(FEP_2023)[:2]
    assert "@context" not in signed["proof"]
    lookup = Lookup({ALICE_KEY: fep_key(FEP_2023).public_key()})
    assert await verify_object_proof(signed, lookup) == ALICE
    # ... and our signer, which adds the @context, makes a different (current) proof.
    ours = sign_object_proof(document, ALICE_KEY, fep_key(FEP_2023), created=CREATED)
    assert ours["proof"]["proofValue"] != signed["proof"]["proofValue"]


async def test_proof_published_without_context_but_signed_with_it_verifies() -> None:
    """What Fedify sends: the signed proof options carried the document's @context, the
    published proof does not (vc-di-eddsa §3.3.5 proof configuration)."""
    signed = feature_documents(FEP)[2]
    del signed["proof"]["@context"]
    lookup = Lookup({ALICE_KEY: fep_key(FEP).public_key()})
    assert await verify_object_proof(signed, lookup) == ALICE


# -- W3C vc-di-eddsa eddsa-jcs-2022 vector ------------------------------------------------------

VC_KEY = (
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
)
VC_CONTROLLER = VC_KEY.partition("#")[0]


def test_w3c_intermediate_values() -> None:
    unsigned, config = w3c_json("unsigned.json"), w3c_json("proofConfigJCS.json")
    assert rfc8785.dumps(unsigned).decode() == w3c("canonDocJCS.txt")
    assert rfc8785.dumps(config).decode() == w3c("proofCanonJCS.txt")
    combined = hash_data(unsigned, config)
    assert combined.hex() == w3c("combinedHashJCS.txt")
    assert combined.hex() == w3c("proofHashJCS.txt") + w3c("docHashJCS.txt")


def test_w3c_key_pair_multibase_forms_agree() -> None:
    pair = w3c_json("keyPair.json")
    private = secret_key(pair["privateKeyMultibase"])
    assert ed25519_multibase(private.public_key()) == pair["publicKeyMultibase"]
    public = public_key_from_multibase(pair["publicKeyMultibase"])
    assert public.public_bytes_raw() == private.public_key().public_bytes_raw()


def test_w3c_vector_is_reproduced_byte_for_byte() -> None:
    private = secret_key(w3c_json("keyPair.json")["privateKeyMultibase"])
    signed = sign_object_proof(w3c_json("unsigned.json"), VC_KEY, private, created=CREATED)
    assert signed == w3c_json("signedJCS.json")
    proof_value = signed["proof"]["proofValue"]
    assert proof_value == w3c("sigBTC58JCS.txt")
    assert base58.b58decode(proof_value[1:]).hex() == w3c("sigHexJCS.txt")


async def test_w3c_signed_vector_verifies() -> None:
    public = public_key_from_multibase(w3c_json("keyPair.json")["publicKeyMultibase"])
    lookup = Lookup({VC_KEY: public}, owner=VC_CONTROLLER)
    signed = w3c_json("signedJCS.json")
    assert await verify_object_proof(signed, lookup, owner_property=None) == VC_CONTROLLER
    # The credential's issuer is not the key's controller: an owner rule would refuse it.
    with pytest.raises(ProofError, match="belongs to"):
        await verify_object_proof(signed, lookup, owner_property="issuer")
