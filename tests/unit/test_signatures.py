"""Round trips of compagnon.federation.signing.signatures with keys made in the test: key helpers,
draft-cavage signing and verifying, tampering, key lookup and refetch, the Date window.

Hand-made signatures (here and in test_signatures_cavage.py) are built with an independent,
deliberately plain signing-string builder, so the verifier is not only checked by its own signer.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from multidict import CIMultiDict

from compagnon.federation.signing.signatures import (
    KeyObj,
    PubKey,
    SignatureError,
    VerifiedSignature,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    sign_cavage,
    verify_request,
)
from tests.unit.signature_support import BODY, INBOX, KEY_ID, NOW, OUTBOX_PAGE, OWNER, Lookup


def cavage_post(key: KeyObj, body: bytes = BODY, url: str = INBOX) -> dict[str, str]:
    return {**sign_cavage("POST", url, {}, body, KEY_ID, key, now=NOW)}


def digest(body: bytes, name: str = "SHA-256") -> str:
    function = hashlib.sha512 if name.lower() == "sha-512" else hashlib.sha256
    return f"{name}={base64.b64encode(function(body).digest()).decode()}"


DATE = "Mon, 02 Mar 2026 10:00:00 GMT"


# -- key helpers ---------------------------------------------------------------------------------


def test_generated_keys_are_pkcs8_and_spki_pem() -> None:
    private_pem, public_pem = generate_rsa_keypair()
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert load_public_key(public_pem).key_size == 2048  # type: ignore[union-attr]
    ed_private, ed_public = generate_ed25519_keypair()
    assert ed_private.startswith("-----BEGIN PRIVATE KEY-----")
    assert ed_public.startswith("-----BEGIN PUBLIC KEY-----")


def test_loaded_keys_are_cached() -> None:
    private_pem, public_pem = generate_ed25519_keypair()
    assert load_private_key(private_pem) is load_private_key(private_pem)
    assert load_public_key(public_pem) is load_public_key(public_pem)


def test_loading_a_non_key_raises_value_error() -> None:
    with pytest.raises(ValueError):
        load_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ValueError):
        load_private_key("not a key")


# -- draft-cavage round trips --------------------------------------------------------------------


async def test_cavage_post_round_trip(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = cavage_post(rsa[0])
    assert headers["Host"] == "node.example"
    assert headers["Date"] == DATE
    assert headers["Digest"] == digest(BODY)
    assert headers["Content-Type"] == "application/activity+json"
    assert 'algorithm="rsa-sha256"' in headers["Signature"]
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]
    lookup = Lookup(rsa[1])
    result = await verify_request("POST", INBOX, headers, BODY, lookup, now=NOW)
    assert result == VerifiedSignature(KEY_ID, OWNER, "draft-cavage")
    assert lookup.calls == [(KEY_ID, False)]


async def test_cavage_get_round_trip_signs_host_and_no_digest(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = sign_cavage(
        "GET", OUTBOX_PAGE, {"Accept": "application/activity+json"}, None, KEY_ID, rsa[0], now=NOW
    )
    assert set(headers) == {"Host", "Date", "Signature"}
    assert 'headers="(request-target) host date"' in headers["Signature"]
    result = await verify_request("GET", OUTBOX_PAGE, headers, b"", Lookup(rsa[1]), now=NOW)
    assert result.scheme == "draft-cavage"


async def test_cavage_ed25519_uses_hs2019(ed: tuple[KeyObj, PubKey]) -> None:
    headers = cavage_post(ed[0])
    assert 'algorithm="hs2019"' in headers["Signature"]
    result = await verify_request("POST", INBOX, headers, BODY, Lookup(ed[1]), now=NOW)
    assert result.owner == OWNER


async def test_cavage_keeps_a_given_content_type(rsa: tuple[KeyObj, PubKey]) -> None:
    given = {"Content-Type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}
    headers = sign_cavage("POST", INBOX, given, BODY, KEY_ID, rsa[0], now=NOW)
    assert "Content-Type" not in headers
    await verify_request("POST", INBOX, {**given, **headers}, BODY, Lookup(rsa[1]), now=NOW)
    with pytest.raises(SignatureError, match="does not match the signed headers"):
        changed = {**headers, "Content-Type": "application/activity+json"}
        await verify_request("POST", INBOX, changed, BODY, Lookup(rsa[1]), now=NOW)


async def test_cavage_header_names_are_case_insensitive(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = cavage_post(rsa[0])
    for variant in (
        {k.lower(): v for k, v in headers.items()},
        {k.upper(): v for k, v in headers.items()},
        CIMultiDict(headers),
    ):
        await verify_request("POST", INBOX, variant, BODY, Lookup(rsa[1]), now=NOW)


async def test_cavage_default_port_is_not_part_of_host(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = sign_cavage(
        "GET", "https://node.example:443/users/ana", {}, None, KEY_ID, rsa[0], now=NOW
    )
    assert headers["Host"] == "node.example"
    headers = sign_cavage(
        "GET", "http://127.0.0.1:8100/users/ana", {}, None, KEY_ID, rsa[0], now=NOW
    )
    assert headers["Host"] == "127.0.0.1:8100"
    await verify_request(
        "GET", "http://127.0.0.1:8100/users/ana", headers, b"", Lookup(rsa[1]), now=NOW
    )


# -- draft-cavage refusals -----------------------------------------------------------------------


async def test_cavage_tampered_body_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = cavage_post(rsa[0])
    with pytest.raises(SignatureError, match="Digest SHA-256 does not match the body"):
        await verify_request("POST", INBOX, headers, BODY + b" ", Lookup(rsa[1]), now=NOW)


async def test_cavage_body_and_digest_swapped_together_are_refused(
    rsa: tuple[KeyObj, PubKey],
) -> None:
    headers = {**cavage_post(rsa[0]), "Digest": digest(b"{}")}
    with pytest.raises(SignatureError, match="does not match the signed headers"):
        await verify_request("POST", INBOX, headers, b"{}", Lookup(rsa[1]), now=NOW)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Date", "Mon, 02 Mar 2026 10:00:01 GMT"),
        ("Host", "other.example"),
        ("Content-Type", "text/plain"),
    ],
)
async def test_cavage_tampered_header_is_refused(
    rsa: tuple[KeyObj, PubKey], name: str, value: str
) -> None:
    headers = {**cavage_post(rsa[0]), name: value}
    with pytest.raises(SignatureError, match="does not match the signed headers"):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


async def test_cavage_other_inbox_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = cavage_post(rsa[0])
    with pytest.raises(SignatureError, match="does not match"):
        await verify_request(
            "POST", "https://node.example/inbox", headers, BODY, Lookup(rsa[1]), now=NOW
        )


async def test_cavage_wrong_key_is_refused_after_one_refetch(
    rsa: tuple[KeyObj, PubKey], other_rsa: tuple[KeyObj, PubKey]
) -> None:
    headers = cavage_post(rsa[0])
    lookup = Lookup(other_rsa[1], other_rsa[1])
    with pytest.raises(SignatureError, match="does not match the signed headers"):
        await verify_request("POST", INBOX, headers, BODY, lookup, now=NOW)
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_stale_key_is_refetched_exactly_once(
    rsa: tuple[KeyObj, PubKey], other_rsa: tuple[KeyObj, PubKey]
) -> None:
    headers = cavage_post(rsa[0])
    lookup = Lookup(cached=other_rsa[1], fresh=rsa[1])
    result = await verify_request("POST", INBOX, headers, BODY, lookup, now=NOW)
    assert result == VerifiedSignature(KEY_ID, OWNER, "draft-cavage")
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]
    assert [refresh for _, refresh in lookup.calls].count(True) == 1


async def test_unknown_key_is_refused_without_refetch(rsa: tuple[KeyObj, PubKey]) -> None:
    lookup = Lookup(None)
    with pytest.raises(SignatureError, match="unknown key"):
        await verify_request("POST", INBOX, cavage_post(rsa[0]), BODY, lookup, now=NOW)
    assert lookup.calls == [(KEY_ID, False)]


@pytest.mark.parametrize(
    ("delta", "reason"),
    [
        (timedelta(hours=2), "Date is 2 h old \\(limit 60 min\\)"),
        (timedelta(hours=-2), "Date is 2 h in the future"),
        (timedelta(days=3), "Date is 3 days old"),
    ],
)
async def test_cavage_date_outside_the_window_is_refused(
    rsa: tuple[KeyObj, PubKey], delta: timedelta, reason: str
) -> None:
    headers = cavage_post(rsa[0])
    with pytest.raises(SignatureError, match=reason):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW + delta)


async def test_cavage_date_within_max_age_is_accepted(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = cavage_post(rsa[0])
    for delta in (timedelta(minutes=59), timedelta(minutes=-59)):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW + delta)
    with pytest.raises(SignatureError, match="Date is 2 min old \\(limit 60 s\\)"):
        await verify_request(
            "POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW + timedelta(minutes=2), max_age=60
        )


async def test_unsigned_request_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    with pytest.raises(SignatureError, match="not signed"):
        headers = {"Host": "node.example", "Date": DATE, "Digest": digest(BODY)}
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


def test_signature_error_carries_a_reason() -> None:
    error = SignatureError("Date is 2 h old")
    assert error.reason == "Date is 2 h old" == str(error)
