"""Keys for the signature tests, made once per module (RSA key generation is slow)."""

from __future__ import annotations

import pytest

from compagnon.federation.signatures import (
    KeyObj,
    PubKey,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
)


@pytest.fixture(scope="module")
def rsa() -> tuple[KeyObj, PubKey]:
    private_pem, public_pem = generate_rsa_keypair()
    return load_private_key(private_pem), load_public_key(public_pem)


@pytest.fixture(scope="module")
def other_rsa() -> tuple[KeyObj, PubKey]:
    private_pem, public_pem = generate_rsa_keypair()
    return load_private_key(private_pem), load_public_key(public_pem)


@pytest.fixture(scope="module")
def ed() -> tuple[KeyObj, PubKey]:
    private_pem, public_pem = generate_ed25519_keypair()
    return load_private_key(private_pem), load_public_key(public_pem)
