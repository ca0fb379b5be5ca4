"""An app's Web Push keys, as apps send them: base64 or base64url, padded or not. The
`p256dh` key must be a point of P-256 (65 bytes, uncompressed), `auth` 16 bytes."""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric import ec

P256DH_BYTES = 65
AUTH_BYTES = 16
MAX_KEY_CHARS = 200  # a longer text cannot decode to either key


def b64decode(text: str) -> bytes:
    """Base64 in either alphabet, with or without padding; ValueError otherwise."""
    if len(text) > MAX_KEY_CHARS:
        raise ValueError("too long")
    cleaned = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


def b64url(data: bytes) -> str:
    """base64url without padding: how the push headers and our columns write keys."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def read_p256dh(text: str) -> bytes:
    data = b64decode(text)
    if len(data) != P256DH_BYTES or data[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data)  # on the curve
    return data


def read_auth(text: str) -> bytes:
    data = b64decode(text)
    if len(data) != AUTH_BYTES:
        raise ValueError("not 16 bytes")
    return data
