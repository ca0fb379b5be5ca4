"""Linked Data Signatures (`RsaSignature2017`), as Mastodon signs relayed and forwarded activities.

First a real one: a Create(Note) signed by Mastodon on activitypub.academy, with its author's
actor document (tests/unit/vectors/README.md names the source). Then round trips, tampering,
what LD signatures do not cover, a poisoned graph, and garbage, which must only ever come out as
ProofError.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from compagnon.federation.signing.keys import (
    KeyObj,
    PubKey,
    PublicKeyInfo,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
)
from compagnon.federation.signing.ld_signatures import (
    IDENTITY_V1,
    canonical_nquads,
    sign_ld_signature,
    signed_data,
    verify_ld_signature,
)
from compagnon.federation.signing.proofs import ProofError

VECTORS = Path(__file__).parent / "vectors" / "ldsig"
MASTODON_ACTOR = "https://activitypub.academy/users/brauca_darradiul"
MASTODON_KEY = f"{MASTODON_ACTOR}#main-key"

ALICE = "https://node.example/users/alice"
ALICE_KEY = f"{ALICE}#main-key"
CREATED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Lookup:
    """A key lookup over a fixed table; `fresh` is what a refetch (refresh=True) returns."""

    def __init__(
        self,
        keys: dict[str, PubKey],
        owner: str = ALICE,
        fresh: dict[str, PubKey] | None = None,
    ) -> None:
        self.keys, self.owner, self.fresh = keys, owner, fresh
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        self.calls.append((key_id, refresh))
        table = self.fresh if refresh and self.fresh is not None else self.keys
        key = table.get(key_id)
        return None if key is None else PublicKeyInfo(key_id, self.owner, key)


def load(name: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads((VECTORS / name).read_text())
    return parsed


def pem_from_fixture(text: str) -> str:
    """The fixture's PEM has its line breaks turned into spaces; put them back."""
    body = text.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
    lines = "\n".join(body.split())
    return f"-----BEGIN PUBLIC KEY-----\n{lines}\n-----END PUBLIC KEY-----\n"


@pytest.fixture(scope="module")
def mastodon_key() -> PubKey:
    actor = load("brauca_darradiul.actor.json")
    assert actor["publicKey"]["id"] == MASTODON_KEY
    assert actor["publicKey"]["owner"] == MASTODON_ACTOR
    return load_public_key(pem_from_fixture(actor["publicKey"]["publicKeyPem"]))


@pytest.fixture
def mastodon_lookup(mastodon_key: PubKey) -> Lookup:
    return Lookup({MASTODON_KEY: mastodon_key}, owner=MASTODON_ACTOR)


# -- a real Mastodon signature -----------------------------------------------------------------


async def test_mastodon_signed_create_verifies(mastodon_lookup: Lookup) -> None:
    signed = load("mastodon-create.signed.json")
    assert await verify_ld_signature(signed, mastodon_lookup) == MASTODON_ACTOR
    assert mastodon_lookup.calls == [(MASTODON_KEY, False)]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("object", "content"), "<p>Tost</p>"),
        (("object", "contentMap", "en"), "<p>Tost</p>"),
        (("object", "sensitive"), True),
        (("published",), "2024-09-12T16:50:46Z"),
        (("to",), []),
        (("signature", "created"), "2024-09-12T16:50:47Z"),
        (("signature", "creator"), MASTODON_KEY + "2"),
        (("signature", "nonce"), "0"),
    ],
)
async def test_mastodon_signature_refuses_tampering(
    mastodon_lookup: Lookup, path: tuple[str, ...], value: Any
) -> None:
    signed = load("mastodon-create.signed.json")
    target = signed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(ProofError):
        await verify_ld_signature(signed, mastodon_lookup)


async def test_terms_outside_the_context_are_not_signed(mastodon_lookup: Lookup) -> None:
    """LD signatures sign RDF, not JSON: a property the @context does not define is dropped by
    expansion, so it can be added or changed without breaking the signature. Callers must only
    trust defined terms (`quoteUrl` is not in this activity's context)."""
    signed = load("mastodon-create.signed.json")
    signed["object"]["quoteUrl"] = "https://evil.example/added-after-signing"
    signed["object"]["content"] = signed["object"].pop("content")  # key order: irrelevant too
    assert await verify_ld_signature(signed, mastodon_lookup) == MASTODON_ACTOR


async def test_mastodon_signature_by_a_key_of_someone_else(mastodon_key: PubKey) -> None:
    lookup = Lookup({MASTODON_KEY: mastodon_key}, owner="https://activitypub.academy/users/x")
    signed = load("mastodon-create.signed.json")
    with pytest.raises(ProofError, match="belongs to"):
        await verify_ld_signature(signed, lookup)
    assert await verify_ld_signature(signed, lookup, owner_property=None) == lookup.owner


# -- round trips ---------------------------------------------------------------------------------

ACTIVITY = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        {"sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#"},
    ],
    "id": f"{ALICE}/statuses/1/activity",
    "type": "Create",
    "actor": ALICE,
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "object": {
        "id": f"{ALICE}/statuses/1",
        "type": "Note",
        "attributedTo": ALICE,
        "content": "<p>Schweißen: Übung 3 — «Kehlnaht» 🔥</p>",
        "sensitive": False,
        "tag": [
            {"type": "Hashtag", "href": "https://node.example/tags/a", "name": "#a"},
            {"type": "Hashtag", "href": "https://node.example/tags/a", "name": "#a"},
        ],
        "replies": {"type": "Collection", "first": {"type": "CollectionPage", "items": []}},
    },
}


@pytest.fixture(scope="module")
def rsa_pair() -> tuple[KeyObj, PubKey]:
    private, public = generate_rsa_keypair()
    return load_private_key(private), load_public_key(public)


@pytest.fixture
def lookup(rsa_pair: tuple[KeyObj, PubKey]) -> Lookup:
    return Lookup({ALICE_KEY: rsa_pair[1]})


@pytest.fixture
def signed(rsa_pair: tuple[KeyObj, PubKey]) -> dict[str, Any]:
    return sign_ld_signature(ACTIVITY, ALICE_KEY, rsa_pair[0], created=CREATED)


async def test_round_trip(signed: dict[str, Any], lookup: Lookup) -> None:
    assert await verify_ld_signature(signed, lookup) == ALICE
    assert set(signed["signature"]) == {"type", "creator", "created", "signatureValue"}
    assert signed["signature"]["type"] == "RsaSignature2017"
    assert signed["signature"]["creator"] == ALICE_KEY
    assert signed["signature"]["created"] == "2026-03-02T10:00:00Z"
    assert len(base64.b64decode(signed["signature"]["signatureValue"])) == 256
    # Like Mastodon, security/v1 joins the @context (it defines `signature`); the input stays.
    assert signed["@context"] == [*ACTIVITY["@context"], "https://w3id.org/security/v1"]
    assert "signature" not in ACTIVITY and len(ACTIVITY["@context"]) == 2


def test_signing_is_deterministic_and_replaces_an_old_signature(
    signed: dict[str, Any], rsa_pair: tuple[KeyObj, PubKey]
) -> None:
    again = sign_ld_signature(signed, ALICE_KEY, rsa_pair[0], created=CREATED)
    assert again == signed


def test_signed_data_is_two_hex_sha256_digests(signed: dict[str, Any]) -> None:
    data = signed_data(signed, signed["signature"])
    assert re.fullmatch(rb"[0-9a-f]{128}", data)
    # The options are hashed under identity/v1 whatever @context the signature carries.
    with_context = {**signed["signature"], "@context": ["https://www.w3.org/ns/activitystreams"]}
    assert signed_data(signed, with_context) == data
    assert IDENTITY_V1 == "https://w3id.org/identity/v1"


async def test_a_rotated_key_is_refetched_once(
    signed: dict[str, Any], rsa_pair: tuple[KeyObj, PubKey]
) -> None:
    stale = load_public_key(generate_rsa_keypair()[1])
    lookup = Lookup({ALICE_KEY: stale}, fresh={ALICE_KEY: rsa_pair[1]})
    assert await verify_ld_signature(signed, lookup) == ALICE
    assert lookup.calls == [(ALICE_KEY, False), (ALICE_KEY, True)]


def test_signing_needs_an_rsa_key() -> None:
    ed_key = load_private_key(generate_ed25519_keypair()[0])
    with pytest.raises(ValueError, match="RSA"):
        sign_ld_signature(ACTIVITY, ALICE_KEY, ed_key)


def test_signing_needs_shipped_contexts(rsa_pair: tuple[KeyObj, PubKey]) -> None:
    doc = {**ACTIVITY, "@context": "https://unknown.example/context"}
    with pytest.raises(ValueError, match="not shipped"):
        sign_ld_signature(doc, ALICE_KEY, rsa_pair[0])


# -- refusals ------------------------------------------------------------------------------------


async def test_an_ed25519_key_is_refused(signed: dict[str, Any]) -> None:
    ed_key = load_public_key(generate_ed25519_keypair()[1])
    with pytest.raises(ProofError, match="not an RSA key"):
        await verify_ld_signature(signed, Lookup({ALICE_KEY: ed_key}))


async def test_an_unknown_key_is_refused(signed: dict[str, Any]) -> None:
    with pytest.raises(ProofError, match="unknown key"):
        await verify_ld_signature(signed, Lookup({}))


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "no LD signature"),
        ("sig", "not a JSON object"),
        ({"type": "Ed25519Signature2018"}, "signature type 'Ed25519Signature2018'"),
        ({"type": "RsaSignature2017"}, "no creator"),
        ({"type": "RsaSignature2017", "creator": ALICE_KEY}, "no signatureValue"),
        (
            {"type": "RsaSignature2017", "creator": ALICE_KEY, "signatureValue": "!!"},
            "not valid base64",
        ),
        (
            {"type": "RsaSignature2017", "creator": "k" * 2000, "signatureValue": ""},
            "longer than",
        ),
    ],
)
async def test_malformed_signatures_are_refused(
    lookup: Lookup, signature: Any, reason: str
) -> None:
    with pytest.raises(ProofError, match=re.escape(reason)):
        await verify_ld_signature({**ACTIVITY, "signature": signature}, lookup)
    assert lookup.calls == []


async def test_an_unshipped_context_is_refused_without_fetching(signed: dict[str, Any]) -> None:
    """Hubzilla signs documents whose @context points at its own schema: we do not fetch it."""
    doc = {**signed, "@context": [*signed["@context"], "https://hub.example/apschema/v1.9"]}
    lookup = Lookup({})
    with pytest.raises(ProofError, match="is not shipped"):
        await verify_ld_signature(doc, lookup)
    assert lookup.calls == []


async def test_a_poisoned_blank_node_graph_is_refused_by_the_work_limit(lookup: Lookup) -> None:
    """URDNA2015 is exponential on cliques of alike blank nodes; the work limit cuts it short
    (without it this call runs for hours: the reason below is the limit's)."""
    tag = "https://www.w3.org/ns/activitystreams#tag"
    nodes = [{"@id": f"_:n{i}", tag: [{"@id": f"_:n{j}"} for j in range(12) if j != i]}
             for i in range(12)]  # fmt: skip
    doc = {"@graph": nodes, "actor": ALICE, "signature": {
        "type": "RsaSignature2017", "creator": ALICE_KEY, "signatureValue": ""}}  # fmt: skip
    with pytest.raises(ProofError, match="too many alike blank nodes"):
        await verify_ld_signature(doc, lookup)


def test_duplicate_tags_stay_within_the_work_limit() -> None:
    """Alike blank nodes that real activities have (a tag listed twice) still canonicalise."""
    assert canonical_nquads(ACTIVITY).count("_:c14n") >= 3


# -- garbage -------------------------------------------------------------------------------------

GARBAGE: list[Any] = [
    None,
    True,
    0,
    2**64,
    1.5,
    float("nan"),
    "",
    "\ud800",
    "a" * 100_000,
    [],
    [None],
    {},
    {"@context": None},
    {"@id": "_:x", "@type": 5},
    {"@list": [{"@list": []}]},
    {"@value": {"@value": 1}},
    {"\ud800": 1},
    "_:b0",
]


def deeply_nested(depth: int) -> Any:
    value: Any = {"type": "Note"}
    for _ in range(depth):
        value = {"object": value}
    return value


async def expect_only_proof_error(doc: Any, lookup: Lookup, **options: Any) -> None:
    """`doc` is refused with a ProofError (nothing else) and a short reason; one that verifies
    fails the test."""
    with pytest.raises(ProofError) as refused:
        await verify_ld_signature(doc, lookup, **options)
    assert isinstance(refused.value.reason, str) and len(refused.value.reason) < 3000


async def test_expect_only_proof_error_fails_on_a_document_that_verifies(
    signed: dict[str, Any], lookup: Lookup
) -> None:
    """The garbage tests below rest on this helper: it once let a document that verifies pass."""
    with pytest.raises(pytest.fail.Exception):
        await expect_only_proof_error(signed, lookup)


def says_the_same(doc: Any, signed: dict[str, Any]) -> bool:
    """True when a mutant makes the statement that was signed: the same signature and the same
    RDF graph (URDNA2015). An LD signature covers the graph, not the JSON: changing a prefix
    the document never uses, in its @context, changes nothing that was signed."""
    if not isinstance(doc, dict) or doc.get("signature") != signed["signature"]:
        return False
    try:
        graph = canonical_nquads({key: value for key, value in doc.items() if key != "signature"})
    except Exception:
        return False
    unsigned = {key: value for key, value in signed.items() if key != "signature"}
    return graph == canonical_nquads(unsigned)


async def test_garbage_in_every_field_gives_proof_error(
    signed: dict[str, Any], lookup: Lookup
) -> None:
    fields = [(), ("@context",), ("actor",), ("object",), ("type",), ("signature",)]
    fields += [("signature", name) for name in signed["signature"]]
    for path in fields:
        for value in [*GARBAGE, deeply_nested(3000)]:
            doc = copy.deepcopy(signed)
            if not path:
                doc = value
            elif len(path) == 1:
                doc[path[0]] = value
            else:
                doc[path[0]][path[1]] = value
            await expect_only_proof_error(doc, lookup)
            await expect_only_proof_error(doc, lookup, owner_property=None)


async def test_random_mutations_give_proof_error(signed: dict[str, Any], lookup: Lookup) -> None:
    rng = random.Random(2017)
    text = json.dumps(signed)
    checked = 0
    for _ in range(200):
        chars = list(text)
        for _ in range(rng.randint(1, 4)):
            chars[rng.randrange(len(chars))] = rng.choice('{}[]",:@_#/ aé')
        try:
            doc = json.loads("".join(chars))
        except ValueError:
            continue
        if says_the_same(doc, signed):
            continue
        await expect_only_proof_error(doc, lookup)
        checked += 1
    assert checked > 50  # the seed keeps this true: most mutants must have been tried
