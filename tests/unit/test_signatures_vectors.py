"""Published test vectors: RFC 9421 (Appendix B.2, §4.3, B.4) and draft-cavage-12 (Appendix C).

The vector files in tests/unit/vectors/ are verbatim copies of the specifications (see the README
there); this module unwraps them (RFC 8792) and checks our signature base, signer and verifier
against them. Where a published vector does not pass our federation policy, the test says so.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from multidict import CIMultiDict

from compagnon.federation.signing.keys import (
    Algorithm,
    load_private_key,
    load_public_key,
    sign_bytes,
    verify_bytes,
)
from compagnon.federation.signing.signatures import (
    PublicKeyInfo,
    SignatureError,
    VerifiedSignature,
    verify_request,
)
from compagnon.federation.signing.signatures_common import request_view
from compagnon.federation.signing.signatures_rfc9421 import sign_components, signature_base
from compagnon.federation.signing.signatures_sfv import BareItem, InnerList, Item, parse_dictionary

VECTORS = Path(__file__).parent / "vectors"
RFC = VECTORS / "rfc9421"
CAVAGE = VECTORS / "cavage12" / "appendix-c.txt"
OWNER = "https://example.com/actor"


# -- reading the vector files ------------------------------------------------------------------


def sections(path: Path) -> list[tuple[str, str]]:
    """The `=== name ===` blocks of a vector file, in order, with RFC 8792 wrapping undone."""
    found: list[tuple[str, list[str]]] = []
    for line in path.read_text().splitlines():
        marker = re.fullmatch(r"=== (\S+) ===", line)
        if marker:
            found.append((marker.group(1), []))
        elif found:
            found[-1][1].append(line)
    return [(name, unwrap(lines)) for name, lines in found]


def section(path: Path, name: str) -> str:
    return next(text for title, text in sections(path) if title == name)


def unwrap(lines: list[str]) -> str:
    """RFC 8792 §7 single-backslash unwrapping: drop the NOTE, join '\\' lines, trim indents.

    Always applied: the B.4 signature base is wrapped in the source without the NOTE line.
    """
    if lines and lines[0].startswith("NOTE: '\\' line wrapping per RFC 8792"):
        lines = lines[2:]
    return re.sub(r"\\\n[ ]*", "", "\n".join(lines))


def parse_message(text: str, scheme: str = "https") -> tuple[str, str, CIMultiDict[str], bytes]:
    """An HTTP/1.1 request as printed in a spec: (method, url, headers, body)."""
    head, _, body = text.partition("\n\n")
    request_line, *field_lines = head.split("\n")
    method, target, _version = request_line.split(" ")
    headers: CIMultiDict[str] = CIMultiDict()
    for line in field_lines:
        name, _, value = line.partition(":")
        headers.add(name, value.strip())
    payload = body.strip("\n").encode()
    if "Content-Length" in headers:
        assert len(payload) == int(headers["Content-Length"])
    return method, f"{scheme}://{headers['Host']}{target}", headers, payload


def fields(text: str) -> dict[str, str]:
    return {
        name: value.strip()
        for name, _, value in (line.partition(":") for line in text.splitlines())
    }


def rfc_key(name: str, private: bool = False) -> str:
    """A PEM block of an RFC 9421 Appendix B.1 key file."""
    text = section(RFC / f"{name}.txt", "key")
    kind = "PRIVATE" if private else "PUBLIC"
    match = re.search(
        rf"-----BEGIN [A-Z ]*{kind} KEY-----.*?-----END [A-Z ]*{kind} KEY-----", text, re.S
    )
    assert match, f"no {kind} key in {name}"
    return match.group(0) + "\n"


class RfcKeys:
    """A key lookup that knows the RFC's RSA, RSA-PSS and Ed25519 keys (not the ECC one)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
        self.calls.append((key_id, refresh))
        if key_id not in ("test-key-rsa", "test-key-rsa-pss", "test-key-ed25519"):
            return None
        return PublicKeyInfo(key_id, OWNER, load_public_key(rfc_key(key_id)))


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


# -- RFC 9421 ------------------------------------------------------------------------------------

TEST_REQUEST = parse_message(section(RFC / "test-request.txt", "request"))
PROXY_REQUEST = parse_message(section(RFC / "s4_3_multiple_rsa_v1_5.txt", "request"))

# What the RFC signed, spelled out independently of its Signature-Input text, so that our
# serialisation of components and parameters is checked against the published header.
CASES: dict[str, tuple[str, str, list[str | Item], list[tuple[str, BareItem]], Algorithm]] = {
    "b2_1_minimal_rsa_pss": (
        "sig-b21",
        "test-key-rsa-pss",
        [],
        [
            ("created", 1618884473),
            ("keyid", "test-key-rsa-pss"),
            ("nonce", "b3k2pp5k7z-50gnwp.yemd"),
        ],
        "rsa-pss-sha512",
    ),
    "b2_2_selective_rsa_pss": (
        "sig-b22",
        "test-key-rsa-pss",
        ["@authority", "content-digest", Item("@query-param", (("name", "Pet"),))],
        [("created", 1618884473), ("keyid", "test-key-rsa-pss"), ("tag", "header-example")],
        "rsa-pss-sha512",
    ),
    "b2_3_full_rsa_pss": (
        "sig-b23",
        "test-key-rsa-pss",
        [
            "date",
            "@method",
            "@path",
            "@query",
            "@authority",
            "content-type",
            "content-digest",
            "content-length",
        ],
        [("created", 1618884473), ("keyid", "test-key-rsa-pss")],
        "rsa-pss-sha512",
    ),
    "b2_6_ed25519": (
        "sig-b26",
        "test-key-ed25519",
        ["date", "@method", "@path", "@authority", "content-type", "content-length"],
        [("created", 1618884473), ("keyid", "test-key-ed25519")],
        "ed25519",
    ),
}


def published(case: str) -> tuple[bytes, str, bytes]:
    """(signature base, Signature-Input member, signature bytes) as the RFC prints them."""
    label = CASES[case][0]
    printed = fields(section(RFC / f"{case}.txt", "fields"))
    signature_input = printed["Signature-Input"]
    signature = parse_dictionary(printed["Signature"])[label]
    assert isinstance(signature, Item) and isinstance(signature.value, bytes)
    return section(RFC / f"{case}.txt", "base").encode(), signature_input, signature.value


@pytest.mark.parametrize("case", sorted(CASES))
def test_rfc9421_signature_base_is_rebuilt_byte_for_byte(case: str) -> None:
    label = CASES[case][0]
    base, signature_input, _ = published(case)
    covered = parse_dictionary(signature_input)[label]
    assert isinstance(covered, InnerList)
    method, url, headers, body = TEST_REQUEST
    assert signature_base(request_view(method, url, headers, body), covered) == base


@pytest.mark.parametrize("case", sorted(CASES))
def test_rfc9421_published_signature_verifies_with_the_published_key(case: str) -> None:
    _, key_id, _, _, alg = CASES[case]
    base, _, signature = published(case)
    key = load_public_key(rfc_key(key_id))
    assert verify_bytes(key, signature, base, alg)
    assert not verify_bytes(key, signature, base + b" ", alg)


@pytest.mark.parametrize("case", sorted(CASES))
def test_rfc9421_our_signer_reproduces_the_published_input(case: str) -> None:
    label, key_id, components, params, alg = CASES[case]
    base, signature_input, signature = published(case)
    method, url, headers, _ = TEST_REQUEST
    private_key = load_private_key(rfc_key(key_id, private=True))
    signed = sign_components(
        method, url, headers, components, params, private_key, label=label, alg=alg
    )
    assert signed.base == base
    assert signed.signature_input == signature_input
    ours = parse_dictionary(signed.signature)[label]
    assert isinstance(ours, Item) and isinstance(ours.value, bytes)
    if alg == "ed25519":
        assert ours.value == signature  # Ed25519 is deterministic: the very same bytes.
    else:
        # RSA-PSS is randomised (RFC 9421 §7.3.5): ours differs but must verify.
        assert verify_bytes(load_public_key(rfc_key(key_id)), ours.value, base, alg)


async def test_rfc9421_b2_3_full_coverage_passes_verify_request() -> None:
    _, signature_input, signature = published("b2_3_full_rsa_pss")
    method, url, headers, body = TEST_REQUEST
    signed = CIMultiDict(headers)
    signed["Signature-Input"] = signature_input
    signed["Signature"] = "sig-b23=:" + base64.b64encode(signature).decode() + ":"
    keys = RfcKeys()
    result = await verify_request(method, url, signed, body, keys, now=at(1618884473 + 30))
    assert result == VerifiedSignature("test-key-rsa-pss", OWNER, "rfc9421")
    assert keys.calls == [("test-key-rsa-pss", False)]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        # Published signatures that are valid but too weak for an inbox: we say why.
        ("b2_1_minimal_rsa_pss", "must cover @method"),
        ("b2_2_selective_rsa_pss", "must cover @method"),
        ("b2_6_ed25519", "must be signed over content-digest"),
    ],
)
async def test_rfc9421_weak_published_signatures_fail_our_policy(case: str, reason: str) -> None:
    label = CASES[case][0]
    _, signature_input, signature = published(case)
    method, url, headers, body = TEST_REQUEST
    signed = CIMultiDict(headers)
    signed["Signature-Input"] = signature_input
    signed["Signature"] = f"{label}=:" + base64.b64encode(signature).decode() + ":"
    keys = RfcKeys()
    with pytest.raises(SignatureError, match=reason):
        await verify_request(method, url, signed, body, keys, now=at(1618884473))
    assert keys.calls == []  # refused before any key is looked up


def test_rfc9421_section_4_3_rsa_v1_5_base_and_signature_are_reproduced() -> None:
    vector = RFC / "s4_3_multiple_rsa_v1_5.txt"
    method, url, headers, _ = PROXY_REQUEST
    signed = sign_components(
        method,
        url,
        headers,
        [
            "@method",
            "@authority",
            "@path",
            "content-digest",
            "content-type",
            "content-length",
            "forwarded",
        ],
        [
            ("created", 1618884480),
            ("keyid", "test-key-rsa"),
            ("alg", "rsa-v1_5-sha256"),
            ("expires", 1618884540),
        ],
        load_private_key(rfc_key("test-key-rsa", private=True)),
        label="proxy_sig",
    )
    assert signed.base == section(vector, "base").encode()
    # RSASSA-PKCS1-v1_5 is deterministic, so the published signature is reproduced exactly.
    expected = base64.b64decode(section(vector, "signature").replace("\n", ""))
    assert signed.signature == "proxy_sig=:" + base64.b64encode(expected).decode() + ":"
    assert signed.signature_input in headers["Signature-Input"]


async def test_rfc9421_section_4_3_skips_the_signature_it_cannot_verify() -> None:
    # sig1 is ECDSA P-256 (key unknown to us); proxy_sig (rsa-v1_5-sha256) is the one we can do.
    method, url, headers, body = PROXY_REQUEST
    keys = RfcKeys()
    result = await verify_request(method, url, headers, body, keys, now=at(1618884490))
    assert result == VerifiedSignature("test-key-rsa", OWNER, "rfc9421")
    assert keys.calls == [("test-key-ecc-p256", False), ("test-key-rsa", False)]


async def test_rfc9421_section_4_3_expired_proxy_signature_is_refused() -> None:
    method, url, headers, body = PROXY_REQUEST
    with pytest.raises(SignatureError, match=r"proxy_sig: the signature expired"):
        await verify_request(method, url, headers, body, RfcKeys(), now=at(1618884540 + 600))


TRANSFORM = RFC / "b4_transform_ed25519.txt"


def test_rfc9421_b4_transform_base() -> None:
    method, url, headers, body = parse_message(section(TRANSFORM, "request"))
    signature_input = parse_dictionary(headers["Signature-Input"])["transform"]
    assert isinstance(signature_input, InnerList)
    base = signature_base(request_view(method, url, headers, body), signature_input)
    assert base == section(TRANSFORM, "base").encode()


@pytest.mark.parametrize("index", range(5))
async def test_rfc9421_b4_transformations(index: int) -> None:
    name, text = [item for item in sections(TRANSFORM) if item[0] != "base"][index]
    method, url, headers, body = parse_message(text)
    verify = verify_request(method, url, headers, body, RfcKeys(), now=at(1618884473 + 5))
    if name in ("request", "valid"):
        assert await verify == VerifiedSignature("test-key-ed25519", OWNER, "rfc9421")
    else:
        with pytest.raises(SignatureError):
            await verify


async def test_rfc9421_b4_reordered_accept_fails_the_signature_itself() -> None:
    _, text = sections(TRANSFORM)[-1]
    method, url, headers, body = parse_message(text)
    with pytest.raises(SignatureError, match="does not match the signed components"):
        await verify_request(method, url, headers, body, RfcKeys(), now=at(1618884473))


def test_rfc9421_keys_load_in_their_published_formats() -> None:
    # test-key-rsa is PKCS#1 ("RSA PUBLIC KEY"); test-key-rsa-pss is an RSASSA-PSS PKCS#8 key.
    for name in ("test-key-rsa", "test-key-rsa-pss", "test-key-ed25519"):
        load_public_key(rfc_key(name))
        load_private_key(rfc_key(name, private=True))


# -- draft-cavage-http-signatures-12, Appendix C --------------------------------------------------

CAVAGE_REQUEST = parse_message(section(CAVAGE, "request"))
CAVAGE_DATE = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)


def cavage_header(name: str) -> str:
    """A printed Signature header, unfolded: continuation lines join with a space except
    inside the base64 signature, which the draft folds mid-value."""
    text = " ".join(line.strip() for line in section(CAVAGE, name).splitlines())
    text = text.removeprefix("Signature: ").removeprefix("Authorization: Signature ")
    return re.sub(
        r'signature="([^"]*)"', lambda m: f'signature="{m.group(1).replace(" ", "")}"', text
    )


def cavage_lookup() -> RfcKeys:
    class Keys(RfcKeys):
        async def __call__(self, key_id: str, refresh: bool) -> PublicKeyInfo | None:
            self.calls.append((key_id, refresh))
            pem = section(CAVAGE, "public-key") + "\n"
            return PublicKeyInfo(key_id, OWNER, load_public_key(pem)) if key_id == "Test" else None

    return Keys()


def cavage_signature(name: str) -> bytes:
    return base64.b64decode(re.search(r'signature="([^"]*)"', cavage_header(name)).group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("test", "header", "string"),
    [
        ("default", "default-signature", "default-string"),
        ("basic", "basic-authorization", "basic-string"),
        ("all", "all-signature", "all-string"),
    ],
)
def test_cavage_published_signatures_verify_over_the_printed_strings(
    test: str, header: str, string: str
) -> None:
    key = load_public_key(section(CAVAGE, "public-key") + "\n")
    signing_string = section(CAVAGE, string).encode()
    assert verify_bytes(key, cavage_signature(header), signing_string, "rsa-v1_5-sha256")
    # PKCS#1 v1.5 is deterministic: the draft's private key reproduces the published bytes.
    private_key = load_private_key(section(CAVAGE, "private-key") + "\n")
    assert sign_bytes(private_key, signing_string, "rsa-v1_5-sha256") == cavage_signature(header)


def test_cavage_all_headers_signature_omits_the_pseudo_headers_it_lists() -> None:
    # Discrepancy: the All Headers Test lists (created) (expires) in headers=, but its signature
    # is over the printed string without them; with them it does not verify.
    key = load_public_key(section(CAVAGE, "public-key") + "\n")
    lines = section(CAVAGE, "all-string").splitlines()
    with_pseudo = "\n".join(
        [lines[0], "(created): 1402170695", "(expires): 1402170699", *lines[1:]]
    )
    assert not verify_bytes(
        key, cavage_signature("all-signature"), with_pseudo.encode(), "rsa-v1_5-sha256"
    )


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        # Default Test: only `date` signed (draft-12 itself would default to (created)).
        ("default-signature", "must cover \\(request-target\\) or digest"),
        # Basic Test: a POST whose body is not covered.
        ("basic-authorization", "must be signed over digest"),
        # All Headers Test: (created) with rsa-sha256 is forbidden by draft-12 and by Mastodon.
        ("all-signature", "\\(created\\) may only be signed with hs2019"),
    ],
)
async def test_cavage_published_requests_fail_our_policy(header: str, reason: str) -> None:
    method, url, headers, body = CAVAGE_REQUEST
    signed = CIMultiDict(headers)
    signed["Signature"] = cavage_header(header)
    keys = cavage_lookup()
    with pytest.raises(SignatureError, match=reason):
        await verify_request(method, url, signed, body, keys, now=CAVAGE_DATE)
    assert keys.calls == []


@pytest.mark.parametrize("algorithm", ['algorithm="rsa-sha256",', 'algorithm="hs2019",', ""])
async def test_cavage_all_headers_signature_verifies_for_what_it_really_signed(
    algorithm: str,
) -> None:
    # The signature of the All Headers Test, with headers= naming what it actually covers,
    # passes verify_request end to end; hs2019 (or no algorithm) with an RSA key means
    # RSASSA-PKCS1-v1_5 SHA-256 as Mastodon reads it, so the same bytes verify.
    method, url, headers, body = CAVAGE_REQUEST
    signed = CIMultiDict(headers)
    signature = base64.b64encode(cavage_signature("all-signature")).decode()
    signed["Signature"] = (
        f'keyId="Test",{algorithm}headers="(request-target) host date content-type digest '
        f'content-length",signature="{signature}"'
    )
    keys = cavage_lookup()
    result = await verify_request(method, url, signed, body, keys, now=CAVAGE_DATE)
    assert result == VerifiedSignature("Test", OWNER, "draft-cavage")
    assert keys.calls == [("Test", False)]
