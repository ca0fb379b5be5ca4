"""FEP-8b32 integrity proofs (`eddsa-jcs-2022`) and Ed25519 Multikeys: round trips,
tampering, and garbage, which must only ever come out as ProofError. The published vectors
are test_proof_vectors.py's.
"""

from __future__ import annotations

import copy
import json
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compagnon.federation.signing.keys import (
    generate_rsa_keypair,
    load_public_key,
)
from compagnon.federation.signing.proofs import (
    ProofError,
    ed25519_multibase,
    hash_data,
    public_key_from_multibase,
    sign_object_proof,
    verify_object_proof,
)
from tests.unit.proof_support import ALICE, ALICE_KEY, CREATED, Lookup

# -- round trips ---------------------------------------------------------------------------------

NOTE = {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    "id": "https://node.example/objects/1",
    "type": ["Note", "LearningResource"],
    "attributedTo": ALICE,
    "content": "<p>Schweißen: Übung 3 — «Kehlnaht» 🔥</p>",
    "contentMap": {"de": "<p>Schweißen</p>"},
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "timeRequired": "PT1H",
    "sensitive": False,
    "location": {"type": "Place", "longitude": -71.184902, "latitude": 25.273962, "radius": 1e21},
}
ACTIVITY = {
    "@context": NOTE["@context"],
    "id": "https://node.example/activities/1",
    "type": "Create",
    "actor": ALICE,
    "object": {key: value for key, value in NOTE.items() if key != "@context"},
}


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def lookup(key: Ed25519PrivateKey) -> Lookup:
    return Lookup({ALICE_KEY: key.public_key()})


@pytest.fixture
def signed(key: Ed25519PrivateKey) -> dict[str, Any]:
    return sign_object_proof(ACTIVITY, ALICE_KEY, key)


async def test_round_trip_activity(signed: dict[str, Any], lookup: Lookup) -> None:
    assert await verify_object_proof(signed, lookup) == ALICE
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod" and proof["@context"] == ACTIVITY["@context"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", proof["created"])
    assert "proof" not in ACTIVITY  # the input is not changed


async def test_round_trip_object_owned_by_attributed_to(
    key: Ed25519PrivateKey, lookup: Lookup
) -> None:
    signed = sign_object_proof(NOTE, ALICE_KEY, key)
    assert await verify_object_proof(signed, lookup, owner_property="attributedTo") == ALICE
    with pytest.raises(ProofError, match="no 'actor'"):
        await verify_object_proof(signed, lookup)


async def test_round_trip_survives_json_reserialisation(
    signed: dict[str, Any], lookup: Lookup
) -> None:
    """JCS makes key order and whitespace irrelevant: what a peer re-serialises still verifies."""
    reordered = json.loads(json.dumps(dict(reversed(list(signed.items()))), indent=3))
    assert await verify_object_proof(reordered, lookup) == ALICE


def test_signing_is_deterministic(key: Ed25519PrivateKey) -> None:
    first = sign_object_proof(ACTIVITY, ALICE_KEY, key, created=CREATED)
    assert first == sign_object_proof(ACTIVITY, ALICE_KEY, key, created=CREATED)
    assert first["proof"]["created"] == "2023-02-24T23:36:38Z"


def test_signing_refuses_a_document_already_signed(signed: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.generate()
    with pytest.raises(ValueError, match="proof first"):
        sign_object_proof(signed, ALICE_KEY, key)
    with pytest.raises(ValueError, match="proof first"):
        sign_object_proof({**ACTIVITY, "signature": {}}, ALICE_KEY, key)


def test_signing_refuses_what_jcs_cannot_represent(key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError):
        sign_object_proof({**ACTIVITY, "n": 2**60}, ALICE_KEY, key)


async def test_a_rotated_key_is_refetched_once(
    key: Ed25519PrivateKey, signed: dict[str, Any]
) -> None:
    stale = Ed25519PrivateKey.generate().public_key()
    lookup = Lookup({ALICE_KEY: stale}, fresh={ALICE_KEY: key.public_key()})
    assert await verify_object_proof(signed, lookup) == ALICE
    assert lookup.calls == [(ALICE_KEY, False), (ALICE_KEY, True)]


async def test_an_expired_proof_is_refused(key: Ed25519PrivateKey, lookup: Lookup) -> None:
    signed = sign_object_proof(ACTIVITY, ALICE_KEY, key)
    # `expires` is part of the signed proof options, so set it and sign by hand.
    unsigned_proof = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    unsigned_proof["expires"] = "2030-01-01T00:00:00Z"
    signature = key.sign(hash_data(ACTIVITY, unsigned_proof))
    proof_value = "z" + base58.b58encode(signature).decode()
    expiring = {**ACTIVITY, "proof": {**unsigned_proof, "proofValue": proof_value}}
    before = datetime(2029, 12, 31, tzinfo=UTC)
    assert await verify_object_proof(expiring, lookup, now=before) == ALICE
    with pytest.raises(ProofError, match="expired"):
        await verify_object_proof(expiring, lookup, now=before + timedelta(days=2))


async def test_a_proof_set_verifies_when_one_proof_does(
    signed: dict[str, Any], other_key: Ed25519PrivateKey, lookup: Lookup
) -> None:
    foreign = sign_object_proof(ACTIVITY, "https://elsewhere.example/k", other_key)["proof"]
    as_set = {**signed, "proof": [foreign, signed["proof"]]}
    assert await verify_object_proof(as_set, lookup) == ALICE
    with pytest.raises(ProofError, match="unknown key"):
        await verify_object_proof({**signed, "proof": [foreign]}, lookup)
    for size in (0, 9):
        with pytest.raises(ProofError, match="proof set"):
            await verify_object_proof({**signed, "proof": [signed["proof"]] * size}, lookup)


# -- tampering and refusals --------------------------------------------------------------------


def tampered(signed: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(signed)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("object", "content"), "<p>changed</p>", "does not verify"),
        (("object", "location", "radius"), 1e20, "does not verify"),
        (("cc",), ["https://evil.example/"], "does not verify"),
        (("proof", "created"), "2020-01-01T00:00:00Z", "does not verify"),
        (("proof", "@context"), ["https://www.w3.org/ns/activitystreams"], "does not verify"),
        (("proof", "@context"), ["https://example.com/other"], "does not begin"),
        (("proof", "verificationMethod"), f"{ALICE}#other", "unknown key"),
        (("proof", "type"), "Ed25519Signature2020", "proof type 'Ed25519Signature2020'"),
        (("proof", "cryptosuite"), "eddsa-rdfc-2022", "proof cryptosuite"),
        (("proof", "proofPurpose"), "authentication", "proof proofPurpose"),
        (("proof", "proofValue"), "z" + "1" * 40, "64 bytes"),
        (("proof", "proofValue"), "u" + "A" * 86, "must be text starting with 'z'"),
        (("proof", "proofValue"), "z0OIl", "Invalid character"),
        (("proof", "expires"), "soon", "not a date-time"),
        (("actor",), None, "no 'actor'"),
    ],
)
async def test_tampered_documents_are_refused(
    signed: dict[str, Any], lookup: Lookup, path: tuple[str, ...], value: Any, reason: str
) -> None:
    with pytest.raises(ProofError, match=re.escape(reason)):
        await verify_object_proof(tampered(signed, path, value), lookup)


async def test_a_flipped_signature_bit_is_refused(signed: dict[str, Any], lookup: Lookup) -> None:
    raw = bytearray(base58.b58decode(signed["proof"]["proofValue"][1:]))
    raw[10] ^= 1
    value = "z" + base58.b58encode(bytes(raw)).decode()
    with pytest.raises(ProofError, match="does not verify"):
        await verify_object_proof(tampered(signed, ("proof", "proofValue"), value), lookup)


async def test_a_key_owned_by_someone_else_than_the_actor_is_refused(
    key: Ed25519PrivateKey, lookup: Lookup
) -> None:
    """Alice's key, validly used, on an activity that claims Mallory as its actor."""
    claim = sign_object_proof({**ACTIVITY, "actor": "https://evil.example/mallory"}, ALICE_KEY, key)
    with pytest.raises(ProofError, match=re.escape(f"belongs to '{ALICE}'")):
        await verify_object_proof(claim, lookup)
    assert await verify_object_proof(claim, lookup, owner_property=None) == ALICE


async def test_a_key_of_another_kind_is_refused(signed: dict[str, Any]) -> None:
    rsa_key = load_public_key(generate_rsa_keypair()[1])
    with pytest.raises(ProofError, match="not an Ed25519 key"):
        await verify_object_proof(signed, Lookup({ALICE_KEY: rsa_key}))


async def test_a_proof_by_another_key_is_refused(
    other_key: Ed25519PrivateKey, lookup: Lookup
) -> None:
    forged = sign_object_proof(ACTIVITY, ALICE_KEY, other_key)
    with pytest.raises(ProofError, match="does not verify"):
        await verify_object_proof(forged, lookup)
    assert lookup.calls == [(ALICE_KEY, False), (ALICE_KEY, True)]


async def test_a_document_without_proof_is_refused(lookup: Lookup) -> None:
    with pytest.raises(ProofError, match="no integrity proof"):
        await verify_object_proof(ACTIVITY, lookup)
    assert lookup.calls == []


async def test_an_ld_signature_beside_the_proof_is_not_covered(
    signed: dict[str, Any], lookup: Lookup
) -> None:
    """FEP-8b32: the LD signature is added after the proof and removed before verifying it."""
    with_signature = {**signed, "signature": {"type": "RsaSignature2017", "signatureValue": "x"}}
    assert await verify_object_proof(with_signature, lookup) == ALICE


# -- Multikey ------------------------------------------------------------------------------------


def test_multibase_round_trip(key: Ed25519PrivateKey) -> None:
    text = ed25519_multibase(key.public_key())
    assert text.startswith("z6Mk")
    assert public_key_from_multibase(text).public_bytes_raw() == key.public_key().public_bytes_raw()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "z",
        "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no multibase prefix
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ",  # one character short
        "z" + base58.b58encode(b"\xec\x01" + bytes(32)).decode(),  # x25519-pub, not ed25519
        "z" + base58.b58encode(b"\x80\x26" + bytes(32)).decode(),  # a secret key
        "z0OIl",
        "zé",
        "z" + "2" * 5000,
    ],
)
def test_bad_multibase_keys_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        public_key_from_multibase(text)


# -- garbage -------------------------------------------------------------------------------------

GARBAGE: list[Any] = [
    None,
    True,
    0,
    -1,
    2**64,
    1.5,
    float("nan"),
    float("inf"),
    "",
    "z",
    "\ud800",
    "💥" * 50,
    "a" * 100_000,
    [],
    [None],
    {},
    {"@context": None},
    {"\ud800": 1},
]


def deeply_nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


async def expect_only_proof_error(doc: Any, lookup: Lookup, **options: Any) -> None:
    """`doc` is refused with a ProofError (nothing else) and a short reason; one that verifies
    fails the test."""
    with pytest.raises(ProofError) as refused:
        await verify_object_proof(doc, lookup, **options)
    assert isinstance(refused.value.reason, str) and len(refused.value.reason) < 3000


async def test_expect_only_proof_error_fails_on_a_document_that_verifies(
    signed: dict[str, Any], lookup: Lookup
) -> None:
    """The garbage tests below rest on this helper: it once let a document that verifies pass."""
    with pytest.raises(pytest.fail.Exception):
        await expect_only_proof_error(signed, lookup)


async def test_garbage_in_every_field_gives_proof_error(
    signed: dict[str, Any], lookup: Lookup
) -> None:
    fields = [(), ("proof",), ("actor",), ("object",), ("@context",)]
    fields += [("proof", name) for name in signed["proof"]]
    for path in fields:
        for value in [*GARBAGE, deeply_nested(5000)]:
            doc = value if not path else tampered(signed, path, value)
            await expect_only_proof_error(doc, lookup)
            await expect_only_proof_error(doc, lookup, owner_property=None)


async def test_random_mutations_give_proof_error(signed: dict[str, Any], lookup: Lookup) -> None:
    rng = random.Random(8032)
    text = json.dumps(signed)
    checked = 0
    for _ in range(300):
        chars = list(text)
        for _ in range(rng.randint(1, 4)):
            chars[rng.randrange(len(chars))] = rng.choice('{}[]",:0z\\ aé')
        try:
            doc = json.loads("".join(chars))
        except ValueError:
            continue
        if doc == signed:  # a character replaced by itself: the signed document, unchanged
            continue
        await expect_only_proof_error(doc, lookup)
        checked += 1
    assert checked > 50  # the seed keeps this true: most mutants must have been tried
