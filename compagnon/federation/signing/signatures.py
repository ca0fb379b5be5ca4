"""HTTP signatures for federation: the one module the rest of Compagnon calls.

This module owns draft-cavage-http-signatures-12 as the fediverse uses it (signing like Mastodon,
verifying what Mastodon accepts: see shared/reference/mastodon-interop.md) and `verify_request`,
which sends a request to the RFC 9421 verifier when it carries `Signature-Input`. Everything is a
pure function: no network, no database; the key lookup is passed in. Key handling, the shared
checks and RFC 9421 live in `keys.py`, `signatures_common.py` and `signatures_rfc9421.py` and are
re-exported here, so callers import from this module only.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from compagnon.federation.signing.keys import (
    Algorithm,
    KeyLookup,
    KeyObj,
    PubKey,
    PublicKeyInfo,
    default_algorithm,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    sign_bytes,
    verify_bytes,
)
from compagnon.federation.signing.signatures_common import (
    Attempt,
    RequestView,
    SignatureError,
    VerifiedSignature,
    as_utc,
    check_body_digest,
    check_expires,
    check_moment,
    decode_base64,
    encode_text,
    format_http_date,
    parse_http_date,
    request_view,
    single_line,
    unix_time,
    verify_with_key,
)
from compagnon.federation.signing.signatures_rfc9421 import sign_rfc9421, verify_rfc9421

__all__ = [
    "KeyLookup",
    "KeyObj",
    "PubKey",
    "PublicKeyInfo",
    "SignatureError",
    "VerifiedSignature",
    "generate_ed25519_keypair",
    "generate_rsa_keypair",
    "load_private_key",
    "load_public_key",
    "sign_cavage",
    "sign_rfc9421",
    "verify_request",
]

# name="quoted value" or name=number (created/expires are sent unquoted by some peers). The
# digit limits keep int()/float() away from Python's 4300-digit conversion limit.
_PARAM = re.compile(
    r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|([0-9]{1,20}(?:\.[0-9]{1,9})?))\s*'
)
_ALGORITHMS = ("rsa-sha256", "hs2019")
_KNOWN_DIGESTS = ("sha-256", "sha-512")


async def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    key_lookup: KeyLookup,
    *,
    now: datetime | None = None,
    max_age: int = 3600,
) -> VerifiedSignature:
    """Verify a signed request; raise SignatureError (and nothing else) when it is not acceptable.

    `url` is the full URL as the server received it, with the path as it was on the wire (not
    percent-decoded). Header names may be in any case; repeated headers are joined with ", ".
    Exceptions raised by `key_lookup` itself are not translated: it should return None instead.
    """
    request = request_view(method, url, headers, body)
    moment = as_utc(now)
    if "signature-input" in request.headers:
        return await verify_rfc9421(request, key_lookup, moment, max_age)
    return await _verify_cavage(request, key_lookup, moment, max_age)


def sign_cavage(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key: KeyObj,
    now: datetime | None = None,
) -> dict[str, str]:
    """Headers to add to a request: Host, Date, (POST: Digest, Content-Type if absent), Signature.

    Signs "(request-target) host date" on GET and "(request-target) host date digest
    content-type" on POST, as Mastodon does; algorithm="rsa-sha256" for RSA, "hs2019" for Ed25519.
    """
    try:
        request = request_view(method, url, headers, b"")
    except SignatureError as exc:
        raise ValueError(exc.reason) from exc
    if '"' in key_id or not key_id.isascii():
        raise ValueError(f"key id {key_id!r} cannot be put in a Signature header")
    added = {"Host": request.authority, "Date": format_http_date(as_utc(now))}
    names = ["host", "date"]
    if method.upper() == "POST" or body is not None:
        digest = base64.b64encode(hashlib.sha256(body or b"").digest()).decode("ascii")
        added["Digest"] = f"SHA-256={digest}"
        if "content-type" not in request.headers:
            added["Content-Type"] = "application/activity+json"
        names += ["digest", "content-type"]
    values = {**request.headers, **{name.lower(): value for name, value in added.items()}}
    lines = [f"(request-target): {method.lower()} {request.path_and_query}"]
    lines += [f"{name}: {values[name]}" for name in names]
    alg = default_algorithm(private_key)
    signature = sign_bytes(private_key, "\n".join(lines).encode("utf-8"), alg)
    added["Signature"] = (
        f'keyId="{key_id}",algorithm="{"hs2019" if alg == "ed25519" else "rsa-sha256"}",'
        f'headers="(request-target) {" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return added


@dataclass(frozen=True)
class _CavageParams:
    key_id: str
    signature: bytes
    algorithm: str
    headers: tuple[str, ...]
    created: str | None
    expires: str | None


async def _verify_cavage(
    request: RequestView, key_lookup: KeyLookup, now: datetime, max_age: int
) -> VerifiedSignature:
    raw = request.headers.get("signature")
    if raw is None:
        raise SignatureError("the request is not signed (no Signature or Signature-Input header)")
    params = _cavage_params(raw)
    _check_strength(request, params.headers)
    _check_time(request, params, now, max_age)
    if "digest" in params.headers:
        _check_digest(request)
    targets = [request.path_and_query]
    if "(request-target)" in params.headers and request.parts.query:
        # Older Mastodon signed the path without its query string; Mastodon accepts both.
        targets.append(request.path)
    strings = [_signing_string(request, params, target) for target in targets]
    info = await verify_with_key(params.key_id, key_lookup, _attempt(strings, params))
    return VerifiedSignature(key_id=params.key_id, owner=info.owner, scheme="draft-cavage")


def _split_params(raw: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos = 0
    while pos < len(raw):
        match = _PARAM.match(raw, pos)
        if match is None:
            raise SignatureError(f"Signature header cannot be parsed at character {pos}")
        name = match.group(1).lower()
        if name in params:
            # draft-cavage-12 §2.2: a duplicated parameter makes the signature unusable.
            raise SignatureError(f"Signature header repeats the {name} parameter")
        quoted, number = match.group(2), match.group(3)
        params[name] = quoted if quoted is not None else number
        pos = match.end()
        if pos < len(raw):
            if raw[pos] != ",":
                raise SignatureError(f"Signature header cannot be parsed at character {pos}")
            pos += 1
    return params


def _cavage_params(raw: str) -> _CavageParams:
    params = _split_params(raw)
    key_id, encoded = params.get("keyid"), params.get("signature")
    if not key_id:
        raise SignatureError("Signature header has no keyId")
    if not encoded:
        raise SignatureError("Signature header has no signature")
    signature = decode_base64(encoded, "the signature")
    # Absent algorithm means hs2019, whose default coverage is (created); as Mastodon reads it.
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in _ALGORITHMS:
        raise SignatureError(f"unsupported algorithm {algorithm!r} (we accept rsa-sha256, hs2019)")
    default = "(created)" if algorithm == "hs2019" else "date"
    headers = tuple(params.get("headers", default).lower().split())
    if not headers:
        raise SignatureError("the headers parameter is empty")
    for pseudo in ("created", "expires"):
        if f"({pseudo})" in headers and algorithm != "hs2019":
            raise SignatureError(f"({pseudo}) may only be signed with hs2019, not {algorithm}")
        if f"({pseudo})" in headers and params.get(pseudo) is None:
            raise SignatureError(f"({pseudo}) is signed but the {pseudo} parameter is missing")
    if params.get("created") is not None and not re.fullmatch(r"[0-9]{1,15}", params["created"]):
        raise SignatureError("the created parameter is not an integer")
    expires = params.get("expires")
    if expires is not None and not re.fullmatch(r"[0-9]{1,15}(\.[0-9]{1,9})?", expires):
        raise SignatureError("the expires parameter is not a time")  # e.g. expires="never"
    return _CavageParams(
        key_id, signature, algorithm, headers, params.get("created"), params.get("expires")
    )


def _check_strength(request: RequestView, headers: tuple[str, ...]) -> None:
    """What Mastodon requires a signature to cover before it trusts it."""
    listed = " ".join(headers)
    if "date" not in headers and "(created)" not in headers:
        raise SignatureError(f"the signature must cover date or (created) (it covers {listed})")
    if "(request-target)" not in headers and "digest" not in headers:
        raise SignatureError(
            f"the signature must cover (request-target) or digest (it covers {listed})"
        )
    method = request.method.upper()
    if method == "GET" and "host" not in headers:
        raise SignatureError(f"a GET must be signed over host (it covers {listed})")
    if (method == "POST" or request.body) and "digest" not in headers:
        raise SignatureError(
            f"a request with a body must be signed over digest (it covers {listed})"
        )


def _check_time(request: RequestView, params: _CavageParams, now: datetime, max_age: int) -> None:
    # Only signed times count: an unsigned Date says nothing about when the signature was made.
    if "date" in params.headers:
        date = request.headers.get("date")
        if date is None:
            raise SignatureError("Date is signed but missing")
        check_moment("Date", parse_http_date(date), now, max_age)
    if "(created)" in params.headers and params.created is not None:
        created = unix_time(int(params.created), "created")
        check_moment("signature created", created, now, max_age)
    if params.expires is not None:
        check_expires(float(params.expires), now)


def _check_digest(request: RequestView) -> None:
    raw = request.headers.get("digest")
    if raw is None:
        raise SignatureError("Digest is signed but missing")
    offered: list[tuple[str, bytes]] = []
    for part in raw.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"Digest {part.strip()!r} is not name=value")
        decoded = b""
        if name.lower() in _KNOWN_DIGESTS:
            decoded = decode_base64(value.strip(), f"Digest {name}")
        offered.append((name, decoded))
    check_body_digest("Digest", offered, request.body)


def _signing_string(request: RequestView, params: _CavageParams, target: str) -> bytes:
    lines = []
    for name in params.headers:
        if name == "(request-target)":
            value = f"{request.method.lower()} {target}"
        elif name == "(created)":
            value = params.created or ""
        elif name == "(expires)":
            value = params.expires or ""
        elif name in request.headers:
            value = request.headers[name]
        elif name == "host":
            value = request.authority  # HTTP/2 has no Host header; the URL has the authority.
        else:
            raise SignatureError(f"signed header {name!r} is missing from the request")
        lines.append(f"{name}: {single_line(name, value)}")
    return encode_text("\n".join(lines), "the signing string")


def _attempt(strings: list[bytes], params: _CavageParams) -> Attempt:
    def attempt(key: PubKey) -> str | None:
        candidates = _algorithms(params.algorithm, key)
        if not candidates:
            return f"algorithm {params.algorithm} does not fit the key type"
        for data in strings:
            if any(verify_bytes(key, params.signature, data, alg) for alg in candidates):
                return None
        return "the signature does not match the signed headers"

    return attempt


def _algorithms(algorithm: str, key: PubKey) -> list[Algorithm]:
    if isinstance(key, rsa.RSAPublicKey):
        if algorithm == "rsa-sha256":
            return ["rsa-v1_5-sha256"]
        # hs2019 + RSA: Mastodon and GoToSocial use PKCS#1 v1.5 SHA-256, PeerTube SHA-512,
        # the draft itself RSASSA-PSS SHA-512. Verifying is cheap, so all three are tried.
        return ["rsa-v1_5-sha256", "rsa-v1_5-sha512", "rsa-pss-sha512"]
    if isinstance(key, ed25519.Ed25519PublicKey) and algorithm == "hs2019":
        return ["ed25519"]
    return []
