"""Many processes on one PostgreSQL database: `compagnon serve --web-processes 2` (real
processes, gunicorn's arbiter) takes a burst from a peer over real HTTP, two workers (driven
here with run_once, competing for the same queue) apply every activity once and make every
delivery of a fan-out once, and a block made by a third process (the `peer block` command's
code) is honoured by both web processes within a second (storage/notify.py).

Every wait is a poll with a deadline; the cluster's output goes to a file, never a pipe
(ARCHITECTURE.md, "Many processes on one database", says why)."""

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
from compagnon.storage.queries import peers
from tests.conftest import NodeFactory
from tests.support.databases import fresh_database
from tests.support.nodes import Node, free_port, settle

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="web processes need PostgreSQL"
)


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
    # The cluster writes to a file, not a pipe: a pipe nobody drains fast enough (a reader
    # that died, an event loop busy elsewhere) fills at 64 KiB and then blocks every process
    # of the cluster on its next log line.
    log_path = tmp_path / "cluster.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "compagnon",
            "serve",
            *common,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        settings = load_settings(config)
        await until_ready(settings.base_url, process, log_path)
        yield Cluster(settings, process)
    except BaseException:
        print(f"--- the cluster's output ({log_path}) ---\n{tail(log_path)}")
        raise
    finally:
        process.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 30)
        if process.returncode is None:
            process.kill()
            await process.wait()


async def until_ready(
    base: str, process: asyncio.subprocess.Process, log_path: Path, seconds: float = 60
) -> None:
    """Poll /readyz until the cluster answers (bounded): the arbiter binds the port, then
    forks the processes; a refused or timed-out connection means "not yet"."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=10) as client:
        while time.monotonic() < deadline:
            assert process.returncode is None, f"the cluster stopped:\n{tail(log_path)}"
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError(f"the cluster did not answer within {seconds:g} s")


def tail(path: Path, chars: int = 20_000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


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

            # a block through a third process reaches both web processes within a second:
            # one held connection to each process asks it, from the moment of the block
            probes = await probes_of_each_process(a)
            async with (
                operations.database(a.settings) as sessions,
                sessions.begin() as session,  # what `compagnon peer block` does
            ):
                await peers.set_blocked(session, peer.domain, True, "")
                blocked_at = time.monotonic()  # just before the commit
            refused_after = await asyncio.gather(
                *(probe.until_refused(peer.domain, blocked_at) for probe in probes)
            )
            print(f"block honoured after {refused_after} s")  # shown with -s
            assert max(refused_after) < 1.0, f"refused after {refused_after} s"
            for n in range(8):  # and the peer's own deliveries: none gets through
                await peer.post("joao", f"still blocked {n}")
            await settle(peer)
            assert await statuses_at(peer, a.base, since="still blocked") == {403}
            for probe in probes:
                await probe.close()


@dataclass
class Probe:
    """A keep-alive connection to the cluster, held by one known web process, speaking just
    enough HTTP/1.1 to post to the inbox (which process takes a new connection is the
    kernel's choice; /proc says which one did)."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    pid: int

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/activity+json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    async def until_refused(self, domain: str, since: float, seconds: float = 5.0) -> float:
        """Post an unsigned Create from `domain` until this process refuses it as blocked
        (403; before the block it is refused as unsigned, 401); how long after `since` the
        refused request was sent. Bounded by `seconds`."""
        while (sent := time.monotonic() - since) < seconds:
            body = (
                f'{{"id": "http://{domain}/probe/{sent}", "type": "Create", '
                f'"actor": "http://{domain}/users/joao", "object": "http://{domain}/n"}}'
            )
            if await self.request("POST", "/inbox", body.encode()) == 403:
                return sent
        raise AssertionError(f"process {self.pid} did not refuse {domain} within {seconds:g} s")

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def probes_of_each_process(cluster: Cluster, tries: int = 64) -> list[Probe]:
    """One held connection per web process: connect until every process holds one (bounded)."""
    pids = cluster.web_pids()
    host, port = "127.0.0.1", cluster.settings.port
    held: dict[int, Probe] = {}
    for _ in range(tries):
        reader, writer = await asyncio.open_connection(host, port)
        probe = Probe(reader, writer, 0)
        assert await probe.request("GET", "/healthz") == 200  # accepted: now a process holds it
        probe.pid = serving_pid(port, writer.get_extra_info("sockname")[1], pids)
        if probe.pid in held:
            await probe.close()
        else:
            held[probe.pid] = probe
        if len(held) == len(pids):
            break
    assert set(held) == pids, f"connections reached {set(held)} of {pids}"
    return list(held.values())


def serving_pid(port: int, client_port: int, pids: set[int]) -> int:
    """The web process holding the server side of our connection from `client_port`."""
    inodes = {
        fields[9]
        for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
        if int(fields[1].split(":")[1], 16) == port
        and int(fields[2].split(":")[1], 16) == client_port
    }
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) in {f"socket:[{inode}]" for inode in inodes}:
                    return pid
    raise AssertionError(f"no web process holds the connection from port {client_port}")


async def statuses_at(peer: Node, base: str, since: str = "") -> set[int | None]:
    """The answers the peer got from the cluster's inbox (for its posts containing `since`)."""
    async with peer.sessions() as session:
        query = select(Delivery.last_status).where(Delivery.inbox.startswith(base))
        if since:
            query = query.join(Object, Object.uri == Delivery.object_uri).where(
                Object.content.contains(since)
            )
        return set((await session.execute(query)).scalars())
