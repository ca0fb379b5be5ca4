"""Shared fixtures: nodes on loopback ports, each with a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web_app

from tests.support.databases import BACKENDS, fresh_database
from tests.support.nodes import Node

NodeFactory = Callable[..., Awaitable[Node]]


@pytest.fixture(autouse=True)
def _release_finished_apps() -> Iterator[None]:
    """Let the apps a test started be freed when it ends.

    aiohttp memoises each (handler, apps) pair's middleware chain in a module-level LRU of
    1,024 entries (`web_app._cached_build_middleware`), which keeps every app that served a
    request alive, with its database engine, statement caches and routes. A node serves one
    app for its life; the suite starts hundreds, and grew to ~1.6 GB, whose full garbage
    collections then stopped the process for seconds: an in-process request past httpx's 5 s
    timeout, a test failing at random (tests/integration/test_quiz.py, test_oai_pmh.py)."""
    yield
    web_app._cached_build_middleware.cache_clear()


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
