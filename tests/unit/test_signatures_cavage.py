"""draft-cavage verification rules, as Mastodon applies them: required coverage, Digest
variants, (request-target) with and without query, hs2019, (created)/(expires).

Signatures here are built by hand (`hand_signed`), independently of `sign_cavage`.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from multidict import CIMultiDict

from compagnon.federation.signing.keys import Algorithm, sign_bytes
from compagnon.federation.signing.signatures import (
    KeyObj,
    PubKey,
    SignatureError,
    verify_request,
)
from tests.unit.signature_support import BODY, INBOX, KEY_ID, NOW, OUTBOX_PAGE, Lookup


def hand_signed(
    key: KeyObj,
    lines: list[tuple[str, str]],
    *,
    algorithm: str | None = "rsa-sha256",
    alg: Algorithm = "rsa-v1_5-sha256",
    extra: str = "",
) -> str:
    """A draft-cavage Signature header built by hand from (name, value) lines."""
    string = "\n".join(f"{name}: {value}" for name, value in lines)
    signature = base64.b64encode(sign_bytes(key, string.encode(), alg)).decode()
    parts = [f'keyId="{KEY_ID}"']
    parts += [f'algorithm="{algorithm}"'] if algorithm else []
    parts += [extra] if extra else []
    parts += [f'headers="{" ".join(name for name, _ in lines)}"', f'signature="{signature}"']
    return ",".join(parts)


def digest(body: bytes, name: str = "SHA-256") -> str:
    function = hashlib.sha512 if name.lower() == "sha-512" else hashlib.sha256
    return f"{name}={base64.b64encode(function(body).digest()).decode()}"


DATE = "Mon, 02 Mar 2026 10:00:00 GMT"


# -- coverage and algorithm rules ------------------------------------------------------------


async def test_cavage_post_without_digest_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    lines = [
        ("(request-target)", "post /users/ana/inbox"),
        ("host", "node.example"),
        ("date", DATE),
    ]
    headers = {"Host": "node.example", "Date": DATE, "Signature": hand_signed(rsa[0], lines)}
    lookup = Lookup(rsa[1])
    with pytest.raises(SignatureError, match="must be signed over digest"):
        await verify_request("POST", INBOX, headers, BODY, lookup, now=NOW)
    assert lookup.calls == []


async def test_cavage_get_without_host_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    lines = [("(request-target)", "get /users/ana"), ("date", DATE)]
    headers = {"Host": "node.example", "Date": DATE, "Signature": hand_signed(rsa[0], lines)}
    with pytest.raises(SignatureError, match="GET must be signed over host"):
        await verify_request(
            "GET", "https://node.example/users/ana", headers, b"", Lookup(rsa[1]), now=NOW
        )


async def test_cavage_without_date_or_created_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    lines = [("(request-target)", "get /users/ana"), ("host", "node.example")]
    headers = {"Host": "node.example", "Signature": hand_signed(rsa[0], lines)}
    with pytest.raises(SignatureError, match="must cover date or \\(created\\)"):
        await verify_request(
            "GET", "https://node.example/users/ana", headers, b"", Lookup(rsa[1]), now=NOW
        )


@pytest.mark.parametrize(
    ("signed_target", "verified_url", "ok"),
    [
        ("get /users/ana/outbox?page=2", OUTBOX_PAGE, True),
        # Older Mastodon signed the path without its query: accepted, as Mastodon does.
        ("get /users/ana/outbox", OUTBOX_PAGE, True),
        ("get /users/ana/outbox?page=3", OUTBOX_PAGE, False),
        ("get /users/ana/outbox?page=2", "https://node.example/users/ana/outbox", False),
    ],
)
async def test_cavage_request_target_query_variants(
    rsa: tuple[KeyObj, PubKey], signed_target: str, verified_url: str, ok: bool
) -> None:
    lines = [("(request-target)", signed_target), ("host", "node.example"), ("date", DATE)]
    headers = {"Host": "node.example", "Date": DATE, "Signature": hand_signed(rsa[0], lines)}
    verify = verify_request("GET", verified_url, headers, b"", Lookup(rsa[1]), now=NOW)
    if ok:
        await verify
    else:
        with pytest.raises(SignatureError, match="does not match"):
            await verify


@pytest.mark.parametrize(
    "digest_header",
    [
        digest(BODY, "SHA-256"),
        digest(BODY, "sha-256"),
        digest(BODY, "Sha-256"),
        digest(BODY, "SHA-512"),
        digest(BODY, "sha-512"),
        f"{digest(BODY, 'sha-256')}, {digest(BODY, 'SHA-512')}",
        f"MD5=AAAA,{digest(BODY, 'sha-256')}",
    ],
)
async def test_cavage_digest_name_variants_are_accepted(
    rsa: tuple[KeyObj, PubKey], digest_header: str
) -> None:
    lines = [
        ("(request-target)", "post /users/ana/inbox"),
        ("host", "node.example"),
        ("date", DATE),
        ("digest", digest_header),
    ]
    headers = {
        "Host": "node.example",
        "Date": DATE,
        "Digest": digest_header,
        "Signature": hand_signed(rsa[0], lines),
    }
    await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


@pytest.mark.parametrize(
    ("digest_header", "reason"),
    [
        ("MD5=AAAA", "Digest offers MD5; we accept SHA-256 or SHA-512"),
        (digest(b"other", "SHA-512"), "Digest SHA-512 does not match the body"),
        (f"{digest(BODY)},{digest(b'x', 'SHA-512')}", "SHA-512 does not match"),
        ("SHA-256=not base64!", "Digest SHA-256 is not valid base64"),
        ("SHA-256", "is not name=value"),
    ],
)
async def test_cavage_bad_digests_are_refused(
    rsa: tuple[KeyObj, PubKey], digest_header: str, reason: str
) -> None:
    lines = [
        ("(request-target)", "post /users/ana/inbox"),
        ("host", "node.example"),
        ("date", DATE),
        ("digest", digest_header),
    ]
    headers = {
        "Host": "node.example",
        "Date": DATE,
        "Digest": digest_header,
        "Signature": hand_signed(rsa[0], lines),
    }
    with pytest.raises(SignatureError, match=reason):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


POST_LINES = [
    ("(request-target)", "post /users/ana/inbox"),
    ("host", "node.example"),
    ("date", DATE),
    ("digest", digest(BODY)),
]
POST_HEADERS = {"Host": "node.example", "Date": DATE, "Digest": digest(BODY)}


@pytest.mark.parametrize(
    ("algorithm", "alg"),
    [
        ("hs2019", "rsa-v1_5-sha256"),  # Mastodon, GoToSocial
        ("hs2019", "rsa-v1_5-sha512"),  # PeerTube
        ("hs2019", "rsa-pss-sha512"),  # the draft's own reading
        (None, "rsa-v1_5-sha256"),  # absent algorithm means hs2019
        ("RSA-SHA256", "rsa-v1_5-sha256"),
    ],
)
async def test_cavage_hs2019_with_rsa_keys(
    rsa: tuple[KeyObj, PubKey], algorithm: str | None, alg: Algorithm
) -> None:
    signature = hand_signed(rsa[0], POST_LINES, algorithm=algorithm, alg=alg)
    headers = {**POST_HEADERS, "Signature": signature}
    await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


async def test_cavage_rsa_sha256_means_only_pkcs1_sha256(rsa: tuple[KeyObj, PubKey]) -> None:
    signature = hand_signed(rsa[0], POST_LINES, algorithm="rsa-sha256", alg="rsa-v1_5-sha512")
    with pytest.raises(SignatureError, match="does not match"):
        await verify_request(
            "POST", INBOX, {**POST_HEADERS, "Signature": signature}, BODY, Lookup(rsa[1]), now=NOW
        )


async def test_cavage_rsa_sha256_with_an_ed25519_key_is_refused(
    ed: tuple[KeyObj, PubKey],
) -> None:
    signature = hand_signed(ed[0], POST_LINES, algorithm="rsa-sha256", alg="ed25519")
    with pytest.raises(SignatureError, match="rsa-sha256 does not fit the key type"):
        await verify_request(
            "POST", INBOX, {**POST_HEADERS, "Signature": signature}, BODY, Lookup(ed[1]), now=NOW
        )


async def test_cavage_unknown_algorithm_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    signature = hand_signed(rsa[0], POST_LINES, algorithm="rsa-sha1")
    with pytest.raises(SignatureError, match="unsupported algorithm 'rsa-sha1'"):
        await verify_request(
            "POST", INBOX, {**POST_HEADERS, "Signature": signature}, BODY, Lookup(rsa[1]), now=NOW
        )


def created_lines(created: int, expires: int) -> list[tuple[str, str]]:
    return [
        ("(request-target)", "post /users/ana/inbox"),
        ("(created)", str(created)),
        ("(expires)", str(expires)),
        ("host", "node.example"),
        ("digest", digest(BODY)),
    ]


async def test_cavage_created_and_expires_pseudo_headers(ed: tuple[KeyObj, PubKey]) -> None:
    created = int(NOW.timestamp())
    signature = hand_signed(
        ed[0],
        created_lines(created, created + 300),
        algorithm="hs2019",
        alg="ed25519",
        extra=f"created={created},expires={created + 300}",
    )
    headers = {"Host": "node.example", "Digest": digest(BODY), "Signature": signature}
    await verify_request("POST", INBOX, headers, BODY, Lookup(ed[1]), now=NOW)
    with pytest.raises(SignatureError, match="the signature expired 10 min ago"):
        await verify_request(
            "POST", INBOX, headers, BODY, Lookup(ed[1]), now=NOW + timedelta(minutes=15)
        )
    with pytest.raises(SignatureError, match="signature created is 2 h old"):
        await verify_request(
            "POST", INBOX, headers, BODY, Lookup(ed[1]), now=NOW + timedelta(hours=2), max_age=3600
        )


async def test_cavage_created_with_rsa_sha256_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    created = int(NOW.timestamp())
    signature = hand_signed(
        rsa[0],
        created_lines(created, created + 300),
        extra=f'created="{created}",expires="{created + 300}"',
    )
    headers = {"Host": "node.example", "Digest": digest(BODY), "Signature": signature}
    with pytest.raises(SignatureError, match="may only be signed with hs2019, not rsa-sha256"):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


async def test_cavage_created_pseudo_header_needs_its_parameter(ed: tuple[KeyObj, PubKey]) -> None:
    created = int(NOW.timestamp())
    signature = hand_signed(
        ed[0],
        created_lines(created, created + 300),
        algorithm="hs2019",
        alg="ed25519",
        extra=f"expires={created + 300}",
    )
    headers = {"Host": "node.example", "Digest": digest(BODY), "Signature": signature}
    with pytest.raises(SignatureError, match="the created parameter is missing"):
        await verify_request("POST", INBOX, headers, BODY, Lookup(ed[1]), now=NOW)


async def test_cavage_repeated_header_is_joined(rsa: tuple[KeyObj, PubKey]) -> None:
    lines = [*POST_LINES, ("x-note", "a, b")]
    headers = CIMultiDict({**POST_HEADERS, "Signature": hand_signed(rsa[0], lines)})
    headers.add("X-Note", "a")
    headers.add("X-Note", "b")
    await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


async def test_cavage_folded_and_empty_headers_follow_the_draft(rsa: tuple[KeyObj, PubKey]) -> None:
    # draft-cavage-12 §2.3 example: obs-fold becomes one space, an empty value stays "name: ".
    lines = [*POST_LINES, ("x-example", "Example header with some whitespace."), ("x-empty", "")]
    headers = {
        **POST_HEADERS,
        "X-Example": "Example header\r\n    with some whitespace.",
        "X-Empty": "",
        "Signature": hand_signed(rsa[0], lines),
    }
    await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)
    headers["X-Example"] = "Example header\nwith some whitespace."  # a bare newline is no fold
    with pytest.raises(SignatureError, match="x-example contains a line break"):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)
