"""Under a steady stream the worker lets the next batch gather after a small pass (GATHER),
and goes on as soon as its own process's inbox has committed a chunk: big batches when posts
trickle in, no wait when they pour in. Driven through the node's real group commit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from compagnon.server import worker as worker_module
from compagnon.server.app import INBOX_WRITER, WORKER
from tests.conftest import NodeFactory

LOOP_TURNS = 20  # enough for every callback a commit schedules to have run


async def loop_turns() -> None:
    for _ in range(LOOP_TURNS):
        await asyncio.sleep(0)


def row(n: int, actor_uri: str) -> dict[str, Any]:
    uri = f"{actor_uri}/activities/gather-{n}"
    return {
        "uri": uri,
        "type": "Like",
        "actor_uri": actor_uri,
        "object_uri": f"{actor_uri}/notes/missing",
        "raw": {"id": uri, "type": "Like", "actor": actor_uri, "object": "x"},
        "host": "127.0.0.1",
    }


async def test_a_gathering_worker_goes_on_once_a_chunk_has_arrived(
    make_node: NodeFactory, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = await make_node("a", backend=backend)
    actor = await node.create_user("ana")
    assert node.app is not None
    writer, worker = node.app[INBOX_WRITER], node.app[WORKER]
    monkeypatch.setattr(worker_module, "GATHER", 3600)  # only a chunk (or stop) ends the wait
    chunk = worker_module.CHUNK
    stop = asyncio.Event()

    gathering = asyncio.create_task(worker._gather(stop))
    await asyncio.gather(*(writer.store(row(n, actor.uri)) for n in range(chunk - 1)))
    await loop_turns()
    assert not gathering.done()  # a chunk less one: still gathering

    await writer.store(row(chunk, actor.uri))
    async with asyncio.timeout(30):  # a bound, not a measure: it ends at once
        await gathering

    # A pass starts the count again: what arrived before it does not end the next gather.
    report = await node.run_once()
    assert report.processed + report.failed == chunk
    gathering = asyncio.create_task(worker._gather(stop))
    await asyncio.gather(*(writer.store(row(n, actor.uri)) for n in range(1000, 1000 + chunk - 1)))
    await loop_turns()
    assert not gathering.done()

    stop.set()  # shutting down ends a gather too
    async with asyncio.timeout(30):
        await gathering
