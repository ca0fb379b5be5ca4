"""A push payload encrypted to the app (http_ece, the Web Push libraries' own), with the
headers that go with it.

Two formats, as Mastodon has them: `standard` subscriptions get RFC 8291 (`aes128gcm`, the
salt and our ephemeral key in the body) with RFC 8292's `Authorization: vapid t=…, k=…`;
the others the draft Mastodon has always sent and every app reads (`aesgcm`, the salt in
`Encryption`, our ephemeral key and the VAPID key in `Crypto-Key`, `Authorization: WebPush
<jwt>`)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from compagnon.push.keys import b64url
from compagnon.push.vapid import VapidKey, jwt

TTL = 48 * 3600  # seconds a push service keeps a push for an offline phone (Mastodon's)


@dataclass(frozen=True)
class Encrypted:
    body: bytes
    headers: dict[str, str]


def encrypt(
    payload: bytes,
    *,
    p256dh: bytes,
    auth: bytes,
    standard: bool,
    vapid: VapidKey,
    endpoint: str,
    subject: str,
    urgency: str = "normal",
) -> Encrypted:
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    salt = os.urandom(16)
    token = jwt(vapid, endpoint, subject)
    headers = {"TTL": str(TTL), "Urgency": urgency}
    if standard:
        body = http_ece.encrypt(
            payload, salt=salt, private_key=ephemeral, dh=p256dh, auth_secret=auth,
            version="aes128gcm",
        )  # fmt: skip
        headers |= {
            "Content-Encoding": "aes128gcm",
            "Authorization": f"vapid t={token}, k={vapid.public_b64}",
        }
        return Encrypted(body, headers)
    body = http_ece.encrypt(
        payload, salt=salt, private_key=ephemeral, dh=p256dh, auth_secret=auth,
        version="aesgcm",
    )  # fmt: skip
    ours = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    headers |= {
        "Content-Encoding": "aesgcm",
        "Encryption": f"salt={b64url(salt)}",
        "Crypto-Key": f"dh={b64url(ours)};p256ecdsa={vapid.public_b64}",
        "Authorization": f"WebPush {token}",
    }
    return Encrypted(body, headers)
