"""Key material for HTTP signatures: key pairs, cached PEM loading, and raw sign/verify.

This module owns everything that touches `cryptography` directly: generating actor key pairs,
turning PEM text into key objects (cached, because loading a private key with validation costs
~45 ms), and the byte-level signature primitives named by algorithm. The HTTP-level schemes
(draft-cavage, RFC 9421) live in `signatures.py` and `signatures_rfc9421.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

KeyObj = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PubKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

# Algorithm names as RFC 9421 registers them; "rsa-v1_5-sha512" is not registered there but is
# what PeerTube means by draft-cavage "hs2019" with an RSA key, so the verifier needs it.
Algorithm = Literal["rsa-v1_5-sha256", "rsa-v1_5-sha512", "rsa-pss-sha512", "ed25519"]


@dataclass(frozen=True)
class PublicKeyInfo:
    """A public key as published by its actor: `owner` is the actor that claims the key."""

    key_id: str
    owner: str
    public_key: PubKey


# (key_id, refresh) -> key or None; refresh=True asks the collaborator to refetch, not use a cache.
KeyLookup = Callable[[str, bool], Awaitable[PublicKeyInfo | None]]


def generate_rsa_keypair() -> tuple[str, str]:
    """A new RSA-2048 key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _private_pem(key), _public_pem(key.public_key())


def generate_ed25519_keypair() -> tuple[str, str]:
    """A new Ed25519 key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM)."""
    key = ed25519.Ed25519PrivateKey.generate()
    return _private_pem(key), _public_pem(key.public_key())


@functools.lru_cache(maxsize=1024)
def load_private_key(pem: str) -> KeyObj:
    """Load an unencrypted RSA or Ed25519 private key; ValueError if it is neither."""
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (TypeError, UnsupportedAlgorithm, UnicodeEncodeError) as exc:
        raise ValueError(f"cannot load private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError(f"unsupported private key type {type(key).__name__}")
    return key


@functools.lru_cache(maxsize=4096)
def load_public_key(pem: str) -> PubKey:
    """Load an RSA or Ed25519 public key (SPKI, or PKCS#1 "RSA PUBLIC KEY"); else ValueError."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (TypeError, UnsupportedAlgorithm, UnicodeEncodeError) as exc:
        raise ValueError(f"cannot load public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise ValueError(f"unsupported public key type {type(key).__name__}")
    return key


def default_algorithm(key: KeyObj | PubKey) -> Algorithm:
    """The algorithm we sign with for this kind of key (what Mastodon verifies for RSA)."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "rsa-v1_5-sha256"
    return "ed25519"


def sign_bytes(key: KeyObj, data: bytes, alg: Algorithm) -> bytes:
    """Sign `data`; ValueError if the algorithm does not fit the key type."""
    if alg == "ed25519":
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise ValueError("ed25519 needs an Ed25519 key")
        return key.sign(data)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{alg} needs an RSA key")
    pad, digest = _rsa_scheme(alg)
    return key.sign(data, pad, digest)


def verify_bytes(key: PubKey, signature: bytes, data: bytes, alg: Algorithm) -> bool:
    """True when `signature` is valid over `data`; False on mismatch or a key/algorithm clash."""
    try:
        if alg == "ed25519":
            if not isinstance(key, ed25519.Ed25519PublicKey):
                return False
            key.verify(signature, data)
            return True
        if not isinstance(key, rsa.RSAPublicKey):
            return False
        pad, digest = _rsa_scheme(alg)
        key.verify(signature, data, pad, digest)
        return True
    except (InvalidSignature, ValueError):
        return False


def _rsa_scheme(alg: Algorithm) -> tuple[padding.AsymmetricPadding, hashes.HashAlgorithm]:
    if alg == "rsa-v1_5-sha256":
        return padding.PKCS1v15(), hashes.SHA256()
    if alg == "rsa-v1_5-sha512":
        return padding.PKCS1v15(), hashes.SHA512()
    if alg == "rsa-pss-sha512":
        # RFC 9421 §3.3.1 fixes the salt at 64 bytes (the SHA-512 digest length).
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
        return pss, hashes.SHA512()
    raise ValueError(f"{alg} is not an RSA algorithm")


def _private_pem(key: KeyObj) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _public_pem(key: PubKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    ).decode("ascii")
