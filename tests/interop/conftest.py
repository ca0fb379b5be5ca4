"""Fixtures for the interop tests: real ActivityPub peers on free loopback ports.

Each peer is installed once per session (``ensure_installed()``: npm ci / a venv from pinned
requirements, skipped when already done) and started per test; its log goes to the test's
tmp_path. See peers/README.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.interop.peers._process import free_port
from tests.interop.peers.bovine_peer import BovinePeer, run_bovine_peer
from tests.interop.peers.bovine_peer import ensure_installed as ensure_bovine
from tests.interop.peers.fedify_peer import FedifyPeer, run_fedify_peer
from tests.interop.peers.fedify_peer import ensure_installed as ensure_fedify
from tests.interop.peers.pasture_peer import VerifyActor, run_verify_actor
from tests.interop.peers.pasture_peer import ensure_installed as ensure_pasture

StartFedify = Callable[..., Awaitable[FedifyPeer]]


@pytest.fixture(scope="session")
def fedify_installed() -> Path:
    """The Node 22 binary of the installed Fedify peer."""
    return ensure_fedify()


@pytest.fixture(scope="session")
def bovine_installed() -> Path:
    """The python of bovine-herd's venv."""
    return ensure_bovine()


@pytest.fixture(scope="session")
def pasture_installed() -> Path:
    """The python of fediverse-pasture's venv."""
    return ensure_pasture()


@pytest.fixture
async def start_fedify_peer(fedify_installed: Path, tmp_path: Path) -> AsyncIterator[StartFedify]:
    """``await start_fedify_peer(**options)`` starts one more Fedify peer on a free port
    (options: those of run_fedify_peer); all are stopped when the test ends."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**options: Any) -> FedifyPeer:
            peer = run_fedify_peer(free_port(), log_dir=tmp_path, **options)
            return await stack.enter_async_context(peer)

        yield start


@pytest.fixture
async def fedify_peer(start_fedify_peer: StartFedify) -> FedifyPeer:
    """One Fedify peer (users alice, bob, carol)."""
    return await start_fedify_peer()


@pytest.fixture
async def bovine_peer(bovine_installed: Path, tmp_path: Path) -> AsyncIterator[BovinePeer]:
    """bovine-herd with one user, alice, on a free port."""
    async with run_bovine_peer(free_port(), log_dir=tmp_path) as peer:
        yield peer


@pytest.fixture
async def verify_actor(pasture_installed: Path, tmp_path: Path) -> AsyncIterator[VerifyActor]:
    """fediverse-pasture's verify_actor on a free port."""
    async with run_verify_actor(free_port(), log_dir=tmp_path) as app:
        yield app
