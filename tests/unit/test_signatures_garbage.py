"""Malformed input of every kind must come out of verify_request as SignatureError, never as
any other exception (an inbox answers 401 to the first and 500 to the second).

Deterministic: the mutations come from a seeded random generator, so a failure reproduces.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from compagnon.federation.signing.signatures import (
    KeyObj,
    PubKey,
    PublicKeyInfo,
    SignatureError,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    sign_cavage,
    sign_rfc9421,
    verify_request,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
INBOX = "https://node.example/users/ana/inbox?x=1"
BODY = b'{"type": "Like"}'
KEY_ID = "https://peer.example/users/bob#main-key"

# Characters that matter to the parsers: separators, quotes, base64, controls and non-ASCII.
ALPHABET = [*'"(),;:=?*-_.@ \t\\/+09azAZ', "\x00", "\r", "\n", "é", "\u2028", "\ud800", "💥"]

GARBAGE = [
    "",
    " ",
    ",",
    ",,",
    "=",
    '"',
    "'",
    "\x00",
    "é",
    "\u2028",
    "\ud800",
    "\r\n",
    "\n x",
    "()",
    "(",
    ")",
    ":",
    "::",
    ":=:",
    "?",
    "?2",
    "-",
    "--1",
    "1.2.3",
    "9" * 5000,
    "a" * 100_000,
    '"' * 1001,
    "sig1",
    "sig1=",
    "sig1=(",
    "sig1=()",
    "sig1=:",
    "sig1=:!!!:",
    "sig1=:YWJj",
    'sig1=("@method"',
    'sig1=("@method");created=',
    'sig1=("@method");created=9999999999999999',
    'sig1=("@method");created=999999999999999;keyid="k"',
    'sig1=("@method");created=-1;keyid="k"',
    'sig1=("@method" "@method");created=1;keyid="k"',
    'sig1=("@status");created=1;keyid="k"',
    'sig1=("@query-param");created=1;keyid="k"',
    'sig1=("@query-param";name=1);keyid="k"',
    'sig1=("a";sf;key="x");created=1;keyid="k"',
    'sig1=(1 2.5 ?1 tok :AA==:);keyid="k"',
    'sig1=("@method");created=1.5;keyid="k"',
    'sig1=("@method");created=?1;keyid="k"',
    'sig1=("@method");keyid=tok;created=1',
    'sig1=("@method");alg="hmac-sha256";created=1;keyid="k"',
    'sig1=("@method");alg=1;created=1;keyid="k"',
    'SIG1=("@method")',
    'sig1=%"x"',
    'keyId="k"',
    'keyId="k",signature="!!!"',
    'keyId="k",signature=""',
    'signature="AAAA"',
    'keyId="k",keyId="k",signature="AAAA"',
    'keyId="k",algorithm="x",signature="AAAA"',
    'keyId="k",headers="",signature="AAAA"',
    'keyId="k",headers="   ",signature="AAAA"',
    'keyId="k",created=99999999999999999999,headers="(created)",signature="AAAA"',
    'keyId="k",created=1.5,algorithm="hs2019",headers="(created) digest",signature="AAAA"',
    'keyId="k",expires=1.5.5,signature="AAAA"',
    'keyId="k",headers="(request-target) host date digest",expires="never",signature="AAAA"',
    'keyId="k" signature="AAAA"',
    'keyId="k",,',
    'keyId=k,signature="AAAA"',
    'keyId="k",signature="AAAA",',
    "SHA-256=",
    "SHA-256=====",
    "sha-256=:AAAA:, sha-512=?1",
    "sha-256=(1 2)",
    "Sun, 99 Foo 2014 25:61:61 GMT",
    "Sun, 05 Jan 99999 21:31:40 GMT",
    " " * 20000 + "x\n y",
    "a\n \n\tb\nc",
    "0",
    "-1",
]

METHODS = ["", " ", "GET POST", "PO\nST", "PÖST", "\x00", "post"]
URLS = [
    "",
    "/inbox",
    "inbox",
    "ftp://node.example/inbox",
    "http://",
    "http://[::1",
    "http://[zz]/",
    "https://node.example/in\nbox",
    "https://node.example/é?ü=1",
    "https://u:p@node.example:99999/",
    "https://node.example/%ZZ?%%",
    "https://node.example" + "/a" * 20000,
]


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[KeyObj, PubKey]]:
    pairs = {"rsa": generate_rsa_keypair(), "ed": generate_ed25519_keypair()}
    return {name: (load_private_key(p), load_public_key(q)) for name, (p, q) in pairs.items()}


def lookup_for(public_key: PubKey) -> Any:
    async def lookup(key_id: str, refresh: bool) -> PublicKeyInfo | None:
        if key_id == KEY_ID:
            return PublicKeyInfo(key_id, "https://peer.example/users/bob", public_key)
        return None

    return lookup


def mutations(value: str, rng: random.Random, count: int) -> list[str]:
    found = []
    for _ in range(count):
        text = value
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            op = rng.randrange(5)
            if op == 0:
                text = text[:at] + rng.choice(ALPHABET) + text[at:]
            elif op == 1:
                text = text[:at] + text[at + rng.randint(1, 8) :]
            elif op == 2:
                text = text[:at] + rng.choice(ALPHABET) + text[at + 1 :]
            elif op == 3:
                text = text[:at]
            else:
                text = text[:at] + text[at : at + 12] * 2 + text[at + 12 :]
        found.append(text)
    return found


async def outcomes(
    cases: list[tuple[str, str, Mapping[str, Any], bytes]], public_key: PubKey
) -> list[str]:
    """Run every case; list the ones that raised anything but SignatureError."""
    wrong = []
    for method, url, headers, body in cases:
        try:
            await verify_request(method, url, headers, body, lookup_for(public_key), now=NOW)
        except SignatureError as exc:
            assert exc.reason
        except Exception as exc:  # the point of this test: nothing else may escape
            wrong.append(
                f"{type(exc).__name__}: {exc} <- {method!r} {url[:80]!r} {dict(headers)!r:.300}"
            )
    return wrong


def signed(scheme: str, key: KeyObj) -> dict[str, str]:
    if scheme == "draft-cavage":
        return sign_cavage("POST", INBOX, {}, BODY, KEY_ID, key, now=NOW)
    return sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, key, now=NOW)


@pytest.mark.parametrize("scheme", ["draft-cavage", "rfc9421"])
@pytest.mark.parametrize("kind", ["rsa", "ed"])
async def test_garbage_headers_only_raise_signature_error(
    keys: dict[str, tuple[KeyObj, PubKey]], scheme: str, kind: str
) -> None:
    private_key, public_key = keys[kind]
    good = signed(scheme, private_key)
    rng = random.Random(f"{scheme}-{kind}")
    cases: list[tuple[str, str, Mapping[str, Any], bytes]] = [("POST", INBOX, good, BODY)]
    for name in [*good, "Signature-Input", "Signature"]:
        values = [*GARBAGE, *mutations(good.get(name, "sig1=()"), rng, 150)]
        cases += [("POST", INBOX, {**good, name: value}, BODY) for value in values]
        cases.append(("POST", INBOX, {k: v for k, v in good.items() if k != name}, BODY))
    wrong = await outcomes(cases, public_key)
    assert not wrong, "\n".join(wrong[:20])


@pytest.mark.parametrize("scheme", ["draft-cavage", "rfc9421"])
async def test_garbage_requests_only_raise_signature_error(
    keys: dict[str, tuple[KeyObj, PubKey]], scheme: str
) -> None:
    private_key, public_key = keys["rsa"]
    good = signed(scheme, private_key)
    cases: list[tuple[str, str, Mapping[str, Any], bytes]] = []
    cases += [(method, INBOX, good, BODY) for method in METHODS]
    cases += [("POST", url, good, BODY) for url in URLS]
    cases += [("POST", INBOX, good, body) for body in (b"", b"\x00" * 10, BODY * 1000)]
    cases += [("GET", INBOX, good, b"")]
    # Values of the wrong type, as a careless caller might pass them.
    cases += [("POST", INBOX, {**good, "Signature": value}, BODY) for value in (b"x", None, 1)]
    not_text: dict[Any, Any] = {**good, 1: "x"}
    cases += [("POST", INBOX, not_text, BODY)]
    wrong = await outcomes(cases, public_key)
    assert not wrong, "\n".join(wrong[:20])


async def test_the_unmutated_baselines_verify(keys: dict[str, tuple[KeyObj, PubKey]]) -> None:
    # Guards the garbage tests: they would pass vacuously if even good requests were refused.
    for scheme in ("draft-cavage", "rfc9421"):
        for private_key, public_key in keys.values():
            result = await verify_request(
                "POST", INBOX, signed(scheme, private_key), BODY, lookup_for(public_key), now=NOW
            )
            assert result.scheme == scheme
