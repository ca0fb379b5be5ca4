"""The access token a push carries (Mastodon's payload has it: an app with several accounts
knows by it which one is notified), kept sealed: AES-GCM under a key derived from the node
secret, so the subscriptions table read alone gives no token that works (tokens themselves
are kept only as their SHA-256, storage/queries/oauth.py)."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from compagnon.push.keys import b64decode, b64url

INFO = b"compagnon push token"


def _key(node_secret: bytes) -> AESGCM:
    derived = HKDF(hashes.SHA256(), 32, salt=None, info=INFO).derive(node_secret)
    return AESGCM(derived)


def seal(token: str, node_secret: bytes) -> str:
    nonce = os.urandom(12)
    return b64url(nonce + _key(node_secret).encrypt(nonce, token.encode(), None))


def unseal(sealed: str, node_secret: bytes) -> str:
    """The token, or "" when it cannot be read (another node secret)."""
    try:
        data = b64decode(sealed)
        return _key(node_secret).decrypt(data[:12], data[12:], None).decode()
    except (ValueError, InvalidTag, UnicodeDecodeError):
        return ""
