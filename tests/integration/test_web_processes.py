"""Many processes on one PostgreSQL database: `compagnon serve --web-processes 2` (real
processes, gunicorn's arbiter) takes a burst from a peer over real HTTP, two workers (driven
here with run_once, competing for the same queue) apply every activity once and make every
delivery of a fan-out once, and a block made by a third process (the `peer block` command's
code) is honoured by both web processes within a second (storage/notify.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from compagnon import operations
from compagnon.cli import main
from compagnon.config import Settings, load_settings
from compagnon.server.worker import Worker
from compagnon.storage.models import Activity, Actor, Delivery, Object
from tests.conftest import NodeFactory
from tests.support.databases import fresh_database
from tests.support.nodes import Node, free_port, settle

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"), reason="web processes need PostgreSQL"
    ),
    # Opt-in until understood: once in CI the cluster stopped answering mid-test (passed in
    # the runs before and after). Run it with COMPAGNON_MULTIPROCESS_TESTS=1.
    pytest.mark.skipif(
        not os.environ.get("COMPAGNON_MULTIPROCESS_TESTS"),
        reason="opt-in: COMPAGNON_MULTIPROCESS_TESTS=1 (a gunicorn cluster in a subprocess)",
    ),
]


@dataclass
class Cluster:
    settings: Settings
    process: asyncio.subprocess.Process

    @property
    def base(self) -> str:
        return self.settings.base_url

    def web_pids(self) -> set[int]:
        """The arbiter's children: the web processes."""
        children = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                        children.add(int(entry.name))
        return children


@contextlib.asynccontextmanager
async def cluster(tmp_path: Path, url: str) -> AsyncIterator[Cluster]:
    port = free_port()
    config = tmp_path / "node.toml"
    common = ["--config", str(config), "--data-dir", str(tmp_path / "data")]
    await asyncio.to_thread(
        main,
        [
            "init",
            *common,
            "--domain",
            f"127.0.0.1:{port}",
            "--port",
            str(port),
            "--database-url",
            url,
            "--allow-private-addresses",
            "--web-processes",
            "2",
            "--no-run-worker",
        ],
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "compagnon",
        "serve",
        *common,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[str] = []
    serving = asyncio.Event()

    async def read_output() -> None:
        # Read everything the cluster prints, or a full pipe would stop it mid-test.
        assert process.stdout is not None
        async for raw in process.stdout:
            lines.append(raw.decode())
            if "Compagnon serving" in lines[-1]:
                serving.set()

    reader = asyncio.create_task(read_output())
    try:
        done = asyncio.ensure_future(serving.wait())
        await asyncio.wait({done, reader}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        assert serving.is_set(), "".join(lines)
        settings = load_settings(config)
        # The first answer waits in the socket's queue until a process has booted.
        async with httpx.AsyncClient(timeout=60) as client:
            assert (await client.get(f"{settings.base_url}/readyz")).status_code == 200
        yield Cluster(settings, process)
    finally:
        process.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 30)
        if process.returncode is None:
            process.kill()
            await process.wait()
        await reader


async def drain(workers: list[Worker], *peers: Node, rounds: int = 20) -> None:
    """The two workers compete for the same queue at once, then the peers answer; until all
    are idle (bounded)."""
    for _ in range(rounds):
        reports = await asyncio.gather(*(w.run_once() for w in workers))
        await settle(*peers)
        again = await asyncio.gather(*(w.run_once() for w in workers))
        if all(r.idle for r in [*reports, *again]):
            return
    raise AssertionError("the workers did not settle")


async def count(settings: Settings, query: object) -> int:
    async with operations.database(settings) as sessions, sessions() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


async def test_two_web_processes_and_two_workers_share_one_database(
    tmp_path: Path, make_node: NodeFactory
) -> None:
    peer = await make_node("peer")
    await peer.create_user("joao")
    async with fresh_database("postgresql", tmp_path) as url, cluster(tmp_path, url) as a:
        assert len(a.web_pids()) == 2
        await asyncio.to_thread(
            main, ["user", "create", "ana", "--config", str(tmp_path / "node.toml")]
        )
        async with (
            operations.federation(a.settings) as one,
            operations.federation(a.settings) as two,
        ):
            workers = [Worker(one, name="w1"), Worker(two, name="w2")]
            # ana follows joao (a command on the shared database), joao follows ana back
            await operations.follow(a.settings, "ana", f"@joao@{peer.domain}")
            await drain(workers, peer)
            await peer.follow("joao", f"@ana@{a.settings.domain}")
            await drain(workers, peer)

            # a burst from the peer, spread by the kernel over both web processes
            for n in range(24):
                await peer.post("joao", f"Ficha {n}: soldadura MIG")
            await settle(peer)
            await drain(workers, peer)
            from_peer = (
                select(func.count())
                .select_from(Object)
                .join(Actor, Object.actor_id == Actor.id)
                .where(Actor.domain == peer.domain, Object.content.contains("soldadura"))
            )
            assert await count(a.settings, from_peer) == 24
            creates = (
                select(func.count())
                .select_from(Activity)
                .where(Activity.type == "Create", Activity.is_local.is_(False))
            )
            done = creates.where(Activity.state == "done")
            assert await count(a.settings, creates) == 24 == await count(a.settings, done)

            # a fan-out: each delivery made once, by one of the two workers
            note = await operations.post(a.settings, "ana", "Merci pour les fiches !", "public")
            await drain(workers, peer)
            sent = select(func.count()).select_from(Delivery).where(Delivery.object_uri == note)
            once = sent.where(Delivery.state == "delivered", Delivery.attempts == 1)
            assert await count(a.settings, sent) >= 1
            assert await count(a.settings, once) == await count(a.settings, sent)

            # a block through a third process reaches both web processes within a second
            await operations.peer_block(a.settings, peer.domain, True)
            blocked_at = time.monotonic()
            first_refusal = None
            while first_refusal is None and time.monotonic() - blocked_at < 1.0:
                await peer.post("joao", "after the block")
                await settle(peer)
                if 403 in await statuses_at(peer, a.base):
                    first_refusal = time.monotonic() - blocked_at
            assert first_refusal is not None, "the block was not honoured within a second"
            for n in range(8):  # and by every process: none of these gets through
                await peer.post("joao", f"still blocked {n}")
            await settle(peer)
            assert await statuses_at(peer, a.base, since="still blocked") == {403}


async def statuses_at(peer: Node, base: str, since: str = "") -> set[int | None]:
    """The answers the peer got from the cluster's inbox (for its posts containing `since`)."""
    async with peer.sessions() as session:
        query = select(Delivery.last_status).where(Delivery.inbox.startswith(base))
        if since:
            query = query.join(Object, Object.uri == Delivery.object_uri).where(
                Object.content.contains(since)
            )
        return set((await session.execute(query)).scalars())
