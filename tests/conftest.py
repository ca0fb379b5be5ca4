"""Shared fixtures: nodes on loopback ports, each with a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import BACKENDS, fresh_database
from tests.support.nodes import Node

NodeFactory = Callable[..., Awaitable[Node]]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
async def make_node(tmp_path: Path) -> AsyncIterator[NodeFactory]:
    """make_node("a") starts a node on SQLite; make_node("a", backend="postgresql") on PG."""
    async with AsyncExitStack() as stack:

        async def factory(name: str, backend: str = "sqlite", **overrides: Any) -> Node:
            data = tmp_path / name
            data.mkdir()
            url = await stack.enter_async_context(fresh_database(backend, data))
            node = Node(name, url, data, **overrides)
            stack.push_async_callback(node.stop)
            return await node.start()

        yield factory
