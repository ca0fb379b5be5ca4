"""HTTP Message Signatures (RFC 9421) for requests: signature base, signing, verifying.

This module owns the RFC 9421 side of `signatures.py`: deriving component values (`@method`,
`@target-uri`, `@authority`, `@path`, `@query`, `@query-param`, `@scheme`, `@request-target` and
header fields), building the signature base byte for byte as the RFC does, signing with
`Signature-Input`/`Signature`/`Content-Digest`, and verifying the first signature of a request that
we can verify under our policy (what Mastodon requires, see shared/reference/mastodon-interop.md).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, quote

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from compagnon.federation.signing.keys import (
    Algorithm,
    KeyLookup,
    KeyObj,
    PubKey,
    default_algorithm,
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
    encode_text,
    request_view,
    single_line,
    unix_time,
    verify_with_key,
)
from compagnon.federation.signing.signatures_sfv import (
    BareItem,
    InnerList,
    Item,
    Member,
    StructuredFieldError,
    parse_dictionary,
    serialize_bare_item,
    serialize_inner_list,
    serialize_item,
)

_ALGORITHMS: dict[str, Algorithm] = {
    "rsa-v1_5-sha256": "rsa-v1_5-sha256",
    "rsa-pss-sha512": "rsa-pss-sha512",
    "ed25519": "ed25519",
}
# Each label may cost a key fetch: a request naming dozens of signatures must not buy dozens.
_MAX_SIGNATURES = 5
_LABEL = re.compile(r"[a-z*][a-z0-9_\-.*]*")


@dataclass(frozen=True)
class SignedComponents:
    """One signature: its base, and the `Signature-Input` and `Signature` header values."""

    base: bytes
    signature_input: str
    signature: str


def sign_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key: KeyObj,
    now: datetime | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """Headers to add: Content-Digest (with a body), Signature-Input and Signature."""
    added: dict[str, str] = {}
    components = ["@method", "@target-uri"]
    if body is not None:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
        added["Content-Digest"] = f"sha-256=:{digest}:"
        components.append("content-digest")
    alg = default_algorithm(private_key)
    created = int(as_utc(now).timestamp())
    params: list[tuple[str, BareItem]] = [("created", created), ("keyid", key_id), ("alg", alg)]
    # Our Content-Digest replaces any the caller passed, whatever its spelling.
    merged = {k: v for k, v in headers.items() if k.lower() != "content-digest"} | added
    signed = sign_components(method, url, merged, components, params, private_key, label=label)
    added["Signature-Input"] = signed.signature_input
    added["Signature"] = signed.signature
    return added


def sign_components(
    method: str,
    url: str,
    headers: Mapping[str, str],
    components: Sequence[str | Item],
    params: Sequence[tuple[str, BareItem]],
    private_key: KeyObj,
    *,
    label: str = "sig1",
    alg: Algorithm | None = None,
) -> SignedComponents:
    """Sign any component list with any parameters, in the given order (tests use RFC inputs).

    The algorithm is `alg`, else the `alg` parameter, else the key's default. Inputs that
    cannot be signed (a relative URL, a missing covered header) raise ValueError.
    """
    if not _LABEL.fullmatch(label):
        raise ValueError(f"{label!r} is not a valid signature label")
    covered = InnerList(
        tuple(c if isinstance(c, Item) else Item(c) for c in components), tuple(params)
    )
    try:
        base = signature_base(request_view(method, url, headers, b""), covered)
    except SignatureError as exc:
        raise ValueError(exc.reason) from exc
    param_alg = dict(params).get("alg")
    algorithm = alg or (_ALGORITHMS.get(param_alg) if isinstance(param_alg, str) else None)
    signature = sign_bytes(private_key, base, algorithm or default_algorithm(private_key))
    return SignedComponents(
        base=base,
        signature_input=f"{label}={serialize_inner_list(covered)}",
        signature=f"{label}={serialize_bare_item(signature)}",
    )


def signature_base(request: RequestView, covered: InnerList) -> bytes:
    """The signature base of RFC 9421 §2.5: one line per component, then @signature-params."""
    lines: list[str] = []
    seen: set[str] = set()
    for item in covered.items:
        identifier = _serialize(item)
        if identifier in seen:
            raise SignatureError(f"component {identifier} is covered twice")
        seen.add(identifier)
        value = single_line(f"component {identifier}", component_value(request, item))
        lines.append(f"{identifier}: {value}")
    lines.append(f'"@signature-params": {_serialize(covered)}')
    return encode_text("\n".join(lines), "the signature base")


def component_value(request: RequestView, item: Item) -> str:
    """The value of one covered component of a request (RFC 9421 §2.1, §2.2)."""
    name = item.value
    if not isinstance(name, str):
        raise SignatureError("component identifiers must be strings")
    params = dict(item.params)
    if name == "@query-param":
        return _query_param(request, params)
    if params:
        raise SignatureError(f"component parameters on {name!r} are not supported")
    if name.startswith("@"):
        return _derived(request, name)
    if name != name.lower():
        raise SignatureError(f"component name {name!r} must be lower-case")
    value = request.headers.get(name)
    if value is None:
        raise SignatureError(f"covered header {name!r} is missing from the request")
    return value


def _derived(request: RequestView, name: str) -> str:
    values = {
        "@method": lambda: request.method,
        "@target-uri": lambda: request.url,
        "@authority": lambda: request.authority,
        "@scheme": lambda: request.parts.scheme.lower(),
        "@request-target": lambda: request.path_and_query,
        "@path": lambda: request.path,
        "@query": lambda: f"?{request.parts.query}",
    }
    if name not in values:
        raise SignatureError(f"derived component {name!r} is not supported for requests")
    return values[name]()


def _query_param(request: RequestView, params: dict[str, BareItem]) -> str:
    wanted = params.get("name")
    if set(params) != {"name"} or not isinstance(wanted, str):
        raise SignatureError('"@query-param" needs exactly one "name" parameter')
    # RFC 9421 §2.2.8: names and values are decoded, then re-encoded with percent-encoding.
    pairs = parse_qsl(request.parts.query, keep_blank_values=True)
    values = [value for key, value in pairs if quote(key, safe="") == wanted]
    if len(values) != 1:
        raise SignatureError(f"query parameter {wanted!r} must occur exactly once")
    return quote(values[0], safe="")


def _serialize(member: Member) -> str:
    try:
        if isinstance(member, InnerList):
            return serialize_inner_list(member)
        return serialize_item(member)
    except StructuredFieldError as exc:
        raise SignatureError(f"cannot serialise signature parameters: {exc}") from exc


@dataclass(frozen=True)
class _Params:
    key_id: str
    created: int
    expires: int | None
    alg: Algorithm | None


async def verify_rfc9421(
    request: RequestView, key_lookup: KeyLookup, now: datetime, max_age: int
) -> VerifiedSignature:
    """Verify the first signature we can; if none verifies, say why for each one tried."""
    inputs = _dictionary(request, "signature-input")
    signatures = _dictionary(request, "signature")
    if not inputs:
        raise SignatureError("Signature-Input names no signature")
    failures: list[str] = []
    for label, covered in list(inputs.items())[:_MAX_SIGNATURES]:
        try:
            return await _verify_one(
                request, covered, signatures.get(label), key_lookup, now, max_age
            )
        except SignatureError as exc:
            failures.append(f"{label}: {exc.reason}")
    raise SignatureError("; ".join(failures))


async def _verify_one(
    request: RequestView,
    covered: Member,
    signature: Member | None,
    key_lookup: KeyLookup,
    now: datetime,
    max_age: int,
) -> VerifiedSignature:
    if not isinstance(covered, InnerList):
        raise SignatureError("Signature-Input entry is not a list of components")
    if signature is None:
        raise SignatureError("no Signature value with this label")
    if not isinstance(signature, Item) or not isinstance(signature.value, bytes):
        raise SignatureError("Signature value is not a byte sequence")
    params = _read_params(covered)
    _check_coverage(request, covered)
    check_moment("signature created", unix_time(params.created, "created"), now, max_age)
    if params.expires is not None:
        check_expires(params.expires, now)
    if any(item.value == "content-digest" for item in covered.items):
        _check_content_digest(request)
    base = signature_base(request, covered)
    attempt = _attempt(base, signature.value, params.alg)
    info = await verify_with_key(params.key_id, key_lookup, attempt)
    return VerifiedSignature(key_id=params.key_id, owner=info.owner, scheme="rfc9421")


def _dictionary(request: RequestView, header: str) -> dict[str, Member]:
    raw = request.headers.get(header)
    if raw is None:
        raise SignatureError(f"{header.title()} header is missing")
    try:
        return parse_dictionary(raw)
    except StructuredFieldError as exc:
        raise SignatureError(f"{header.title()} is malformed: {exc}") from exc


def _read_params(covered: InnerList) -> _Params:
    params = dict(covered.params)
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("the keyid parameter is missing")
    created = _int_param(params, "created")
    if created is None:
        raise SignatureError("the created parameter is missing")
    alg = params.get("alg")
    if alg is not None and (not isinstance(alg, str) or alg not in _ALGORITHMS):
        raise SignatureError(f"unsupported alg {alg!r} (we accept {', '.join(_ALGORITHMS)})")
    return _Params(
        key_id=key_id,
        created=created,
        expires=_int_param(params, "expires"),
        alg=None if alg is None else _ALGORITHMS[alg],
    )


def _int_param(params: dict[str, BareItem], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SignatureError(f"the {name} parameter is not an integer")
    return value


def _check_coverage(request: RequestView, covered: InnerList) -> None:
    names = {item.value for item in covered.items if isinstance(item.value, str)}
    listed = " ".join(sorted(names)) or "nothing"
    if "@method" not in names:
        raise SignatureError(f"the signature must cover @method (it covers {listed})")
    if "@target-uri" not in names and not {"@authority", "@path"} <= names:
        raise SignatureError(
            f"the signature must cover @target-uri or @authority and @path (it covers {listed})"
        )
    if (request.method.upper() == "POST" or request.body) and "content-digest" not in names:
        raise SignatureError(
            f"a request with a body must be signed over content-digest (it covers {listed})"
        )


def _check_content_digest(request: RequestView) -> None:
    raw = request.headers.get("content-digest")
    if raw is None:
        raise SignatureError("Content-Digest is covered but missing")
    try:
        members = parse_dictionary(raw)
    except StructuredFieldError as exc:
        raise SignatureError(f"Content-Digest is malformed: {exc}") from exc
    offered: list[tuple[str, bytes]] = []
    for name, member in members.items():
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise SignatureError(f"Content-Digest {name} is not a byte sequence")
        offered.append((name, member.value))
    check_body_digest("Content-Digest", offered, request.body)


def _attempt(base: bytes, signature: bytes, alg: Algorithm | None) -> Attempt:
    def attempt(key: PubKey) -> str | None:
        candidates = _key_algorithms(key)
        if alg is not None:
            if alg not in candidates:
                return f"alg {alg} does not fit the key type"
            candidates = [alg]
        if any(verify_bytes(key, signature, base, candidate) for candidate in candidates):
            return None
        return "the signature does not match the signed components"

    return attempt


def _key_algorithms(key: PubKey) -> list[Algorithm]:
    # Without `alg`, RFC 9421 §3.2 leaves the choice to the key: for RSA we try what Mastodon
    # and Fedify send (v1_5) first, then PSS (the RFC's own examples).
    if isinstance(key, rsa.RSAPublicKey):
        return ["rsa-v1_5-sha256", "rsa-pss-sha512"]
    if isinstance(key, ed25519.Ed25519PublicKey):
        return ["ed25519"]
    return []
