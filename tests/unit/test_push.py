"""Web Push pieces on their own (compagnon/push/): the apps' keys in every base64 they send
them, the sealed token, both encryptions read back by http_ece, the endpoint rule, and the
notification types kept equal to the API's."""

from __future__ import annotations

import base64

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from compagnon.push import encryption, keys, tokens, vapid
from compagnon.server.api import entities
from compagnon.server.api.base import ApiError
from compagnon.server.api.push import _endpoint
from compagnon.storage.queries.push import PUSH_TYPES


def receiver() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return key, point


def test_push_types_are_the_apis_notification_types() -> None:
    assert PUSH_TYPES == entities.NOTIFICATION_TYPES


def test_keys_are_read_in_either_alphabet_padded_or_not() -> None:
    _key, point = receiver()
    for text in (
        base64.b64encode(point).decode(),
        base64.urlsafe_b64encode(point).decode(),
        base64.urlsafe_b64encode(point).decode().rstrip("="),
    ):
        assert keys.read_p256dh(text) == point
    assert keys.read_auth(base64.b64encode(b"x" * 16).decode().rstrip("=")) == b"x" * 16
    for bad in ("", "a", "é" * 10, "A" * 300, keys.b64url(point[:33]), keys.b64url(b"\x04" * 65)):
        with pytest.raises(ValueError):
            keys.read_p256dh(bad)
    with pytest.raises(ValueError):
        keys.read_auth(keys.b64url(b"x" * 17))


def test_a_sealed_token_opens_with_the_node_secret_only() -> None:
    sealed = tokens.seal("the-token", b"s" * 32)
    assert "the-token" not in sealed
    assert tokens.unseal(sealed, b"s" * 32) == "the-token"
    assert tokens.unseal(sealed, b"t" * 32) == ""
    assert tokens.unseal("garbage", b"s" * 32) == ""


@pytest.mark.parametrize("standard", [True, False])
def test_a_payload_is_decrypted_by_http_ece(standard: bool) -> None:
    key, point = receiver()
    node = vapid._parse(vapid.new_pem())
    sealed = encryption.encrypt(
        b'{"title": "x"}',
        p256dh=point,
        auth=b"a" * 16,
        standard=standard,
        vapid=node,
        endpoint="https://push.example/abc",
        subject="https://node.example",
    )
    if standard:
        plain = http_ece.decrypt(sealed.body, private_key=key, auth_secret=b"a" * 16)
        assert sealed.headers["Authorization"].startswith("vapid t=")
    else:
        salt = keys.b64decode(sealed.headers["Encryption"].removeprefix("salt="))
        dh = keys.b64decode(sealed.headers["Crypto-Key"].split(";")[0].removeprefix("dh="))
        plain = http_ece.decrypt(
            sealed.body, salt=salt, dh=dh, private_key=key, auth_secret=b"a" * 16,
            version="aesgcm",
        )  # fmt: skip
    assert plain == b'{"title": "x"}'


def test_endpoints_are_https_unless_the_node_federates_on_loopback() -> None:
    assert _endpoint("https://push.example/x", False) == "https://push.example/x"
    assert _endpoint("http://127.0.0.1:9/x", True) == "http://127.0.0.1:9/x"
    for bad, allow in (("http://127.0.0.1:9/x", False), ("data:,x", True), (" ", True)):
        with pytest.raises(ApiError) as refused:
            _endpoint(bad, allow)
        assert refused.value.status == 422
