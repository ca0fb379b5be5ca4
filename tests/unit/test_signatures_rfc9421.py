"""RFC 9421 signing and verifying with keys made in the test: round trips, tampering, the
policy (@method, @target-uri or @authority+@path, content-digest, created), expiry, several
signatures on one request.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta

import pytest

from compagnon.federation.signing.signatures import (
    KeyObj,
    PubKey,
    SignatureError,
    VerifiedSignature,
    sign_cavage,
    sign_rfc9421,
    verify_request,
)
from compagnon.federation.signing.signatures_rfc9421 import sign_components
from tests.unit.signature_support import BODY, INBOX, KEY_ID, NOW, OUTBOX_PAGE, OWNER, Lookup


def digest(body: bytes, name: str = "SHA-256") -> str:
    function = hashlib.sha512 if name.lower() == "sha-512" else hashlib.sha256
    return f"{name}={base64.b64encode(function(body).digest()).decode()}"


# -- RFC 9421 round trips and refusals -----------------------------------------------------------


@pytest.mark.parametrize("pair", ["rsa", "ed"])
async def test_rfc9421_post_round_trip(pair: str, request: pytest.FixtureRequest) -> None:
    private_key, public_key = request.getfixturevalue(pair)
    headers = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, private_key, now=NOW)
    alg = "rsa-v1_5-sha256" if pair == "rsa" else "ed25519"
    created = int(NOW.timestamp())
    assert headers["Content-Digest"] == "sha-256=:" + digest(BODY).split("=", 1)[1] + ":"
    assert headers["Signature-Input"] == (
        f'sig1=("@method" "@target-uri" "content-digest");created={created}'
        f';keyid="{KEY_ID}";alg="{alg}"'
    )
    assert re.fullmatch(r"sig1=:[A-Za-z0-9+/]+=*:", headers["Signature"])
    lookup = Lookup(public_key)
    result = await verify_request("POST", INBOX, headers, BODY, lookup, now=NOW)
    assert result == VerifiedSignature(KEY_ID, OWNER, "rfc9421")
    assert lookup.calls == [(KEY_ID, False)]


async def test_rfc9421_get_round_trip(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = sign_rfc9421("GET", OUTBOX_PAGE, {}, None, KEY_ID, rsa[0], now=NOW, label="fetch")
    assert set(headers) == {"Signature-Input", "Signature"}
    assert headers["Signature-Input"].startswith('fetch=("@method" "@target-uri");')
    result = await verify_request("GET", OUTBOX_PAGE, headers, b"", Lookup(rsa[1]), now=NOW)
    assert result.scheme == "rfc9421"
    with pytest.raises(SignatureError, match="does not match"):
        await verify_request(
            "GET", OUTBOX_PAGE.replace("2", "3"), headers, b"", Lookup(rsa[1]), now=NOW
        )


async def test_rfc9421_tampered_body_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, rsa[0], now=NOW)
    with pytest.raises(
        SignatureError, match="sig1: Content-Digest SHA-256 does not match the body"
    ):
        await verify_request("POST", INBOX, headers, BODY + b"!", Lookup(rsa[1]), now=NOW)


async def test_rfc9421_wrong_method_or_url_is_refused(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, rsa[0], now=NOW)
    with pytest.raises(SignatureError, match="does not match the signed components"):
        await verify_request("PUT", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)
    with pytest.raises(SignatureError, match="does not match the signed components"):
        await verify_request("POST", INBOX + "2", headers, BODY, Lookup(rsa[1]), now=NOW)


async def test_rfc9421_stale_key_is_refetched_once(
    rsa: tuple[KeyObj, PubKey], other_rsa: tuple[KeyObj, PubKey]
) -> None:
    headers = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, rsa[0], now=NOW)
    lookup = Lookup(cached=other_rsa[1], fresh=rsa[1])
    await verify_request("POST", INBOX, headers, BODY, lookup, now=NOW)
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_rfc9421_alg_must_fit_the_key(
    rsa: tuple[KeyObj, PubKey], ed: tuple[KeyObj, PubKey]
) -> None:
    headers = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, ed[0], now=NOW)
    with pytest.raises(SignatureError, match="alg ed25519 does not fit the key type"):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


@pytest.mark.parametrize(
    ("delta", "reason"),
    [
        (timedelta(hours=2), "signature created is 2 h old"),
        (timedelta(hours=-2), "signature created is 2 h in the future"),
    ],
)
async def test_rfc9421_created_outside_the_window(
    rsa: tuple[KeyObj, PubKey], delta: timedelta, reason: str
) -> None:
    headers = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, rsa[0], now=NOW)
    with pytest.raises(SignatureError, match=reason):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW + delta)


def signed_9421(
    key: KeyObj,
    components: list[str],
    params: list[tuple[str, object]],
    extra: dict[str, str] | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    headers = {"Content-Digest": "sha-256=:" + digest(BODY).split("=", 1)[1] + ":", **(extra or {})}
    signed = sign_components("POST", INBOX, headers, components, params, key, label=label)  # type: ignore[arg-type]
    return {**headers, "Signature-Input": signed.signature_input, "Signature": signed.signature}


async def test_rfc9421_expires_is_honoured(rsa: tuple[KeyObj, PubKey]) -> None:
    created = int(NOW.timestamp())
    headers = signed_9421(
        rsa[0],
        ["@method", "@target-uri", "content-digest"],
        [("created", created), ("keyid", KEY_ID), ("expires", created + 60)],
    )
    await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)
    with pytest.raises(SignatureError, match="expired 10 min ago"):
        await verify_request(
            "POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW + timedelta(minutes=11)
        )


@pytest.mark.parametrize(
    ("components", "params", "reason"),
    [
        (["@target-uri", "content-digest"], None, "must cover @method"),
        (["@method", "@path", "content-digest"], None, "must cover @target-uri or @authority"),
        (["@method", "@target-uri"], None, "must be signed over content-digest"),
        (
            ["@method", "@target-uri", "content-digest"],
            [("keyid", KEY_ID)],
            "created parameter is missing",
        ),
        (
            ["@method", "@target-uri", "content-digest"],
            [("created", 1)],
            "keyid parameter is missing",
        ),
        (
            ["@method", "@target-uri", "content-digest"],
            [("created", "1"), ("keyid", KEY_ID)],
            "created parameter is not an integer",
        ),
        (["@method", "@target-uri", "content-digest", "x-missing"], None, "'x-missing' is missing"),
        (
            ["@method", "@target-uri", "content-digest", "@status"],
            None,
            "'@status' is not supported",
        ),
    ],
)
async def test_rfc9421_policy_refusals(
    rsa: tuple[KeyObj, PubKey],
    components: list[str],
    params: list[tuple[str, object]] | None,
    reason: str,
) -> None:
    created = int(NOW.timestamp())
    if components[-1] in ("x-missing", "@status"):
        signed = signed_9421(rsa[0], components[:-1], [("created", created), ("keyid", KEY_ID)])
        signed["Signature-Input"] = signed["Signature-Input"].replace(
            '"content-digest")', f'"content-digest" "{components[-1]}")'
        )
    else:
        signed = signed_9421(
            rsa[0], components, params or [("created", created), ("keyid", KEY_ID)]
        )
    with pytest.raises(SignatureError, match=reason):
        await verify_request("POST", INBOX, signed, BODY, Lookup(rsa[1]), now=NOW)


async def test_rfc9421_authority_and_path_may_replace_target_uri(
    rsa: tuple[KeyObj, PubKey],
) -> None:
    created = int(NOW.timestamp())
    headers = signed_9421(
        rsa[0],
        [
            "@method",
            "@authority",
            "@path",
            "@scheme",
            "@request-target",
            "@query",
            "content-digest",
        ],
        [("created", created), ("keyid", KEY_ID)],
    )
    await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


async def test_rfc9421_sha512_content_digest(rsa: tuple[KeyObj, PubKey]) -> None:
    created = int(NOW.timestamp())
    sha512 = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    headers = signed_9421(
        rsa[0],
        ["@method", "@target-uri", "content-digest"],
        [("created", created), ("keyid", KEY_ID)],
        extra={"Content-Digest": f"sha-512=:{sha512}:"},
    )
    await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)
    headers["Content-Digest"] = "md5=:AAAA:"
    with pytest.raises(SignatureError, match="Content-Digest offers md5"):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


async def test_rfc9421_first_verifiable_signature_wins(
    rsa: tuple[KeyObj, PubKey], ed: tuple[KeyObj, PubKey]
) -> None:
    good = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, rsa[0], now=NOW, label="good")
    other = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, ed[0], now=NOW, label="other")
    headers = {
        "Content-Digest": good["Content-Digest"],
        "Signature-Input": f"{other['Signature-Input']}, {good['Signature-Input']}",
        "Signature": f"{other['Signature']}, {good['Signature']}",
    }
    lookup = Lookup(rsa[1])
    result = await verify_request("POST", INBOX, headers, BODY, lookup, now=NOW)
    assert result.scheme == "rfc9421"
    # "other" is an ed25519 signature: tried with the RSA key, refetched once, then "good".
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True), (KEY_ID, False)]


async def test_rfc9421_failure_reasons_name_every_label(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, rsa[0], now=NOW)
    headers["Signature-Input"] += ', extra=("@method");created=1;keyid="x"'
    with pytest.raises(SignatureError, match=r"sig1: .*does not match the body; extra: "):
        await verify_request("POST", INBOX, headers, b"{}", Lookup(rsa[1]), now=NOW)


async def test_rfc9421_signature_without_matching_label(rsa: tuple[KeyObj, PubKey]) -> None:
    headers = sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, rsa[0], now=NOW)
    headers["Signature"] = headers["Signature"].replace("sig1=", "sig2=")
    with pytest.raises(SignatureError, match="sig1: no Signature value with this label"):
        await verify_request("POST", INBOX, headers, BODY, Lookup(rsa[1]), now=NOW)


def test_signers_refuse_what_they_cannot_express(rsa: tuple[KeyObj, PubKey]) -> None:
    with pytest.raises(ValueError):
        sign_cavage("POST", INBOX, {}, BODY, 'bad"key', rsa[0], now=NOW)
    with pytest.raises(ValueError):
        sign_cavage("POST", "/relative", {}, BODY, KEY_ID, rsa[0], now=NOW)
    with pytest.raises(ValueError):
        sign_rfc9421("POST", INBOX, {}, BODY, KEY_ID, rsa[0], now=NOW, label="Not A Label")
