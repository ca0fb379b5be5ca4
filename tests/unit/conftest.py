"""Keys for the signature tests, made once per module (RSA key generation is slow); the
Hypothesis profiles of the property tests."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from compagnon.federation.signing.signatures import (
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


# Hypothesis: a short profile for CI (the default) and a long one for a deliberate search:
# HYPOTHESIS_PROFILE=long pytest tests/unit/test_properties_*.py
# No deadline: on a busy 2-core CI machine a slow example is not a failure.
settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
settings.register_profile("long", max_examples=5_000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
