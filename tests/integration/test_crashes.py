"""The node killed with SIGKILL (no cleanup, as a power cut or the OOM killer) in the middle of
its work, then started again on the same database: nothing it had taken on is lost, and what
it does twice is bounded by what was in flight at the moment of the kill.

Each test runs `compagnon serve` as a child process (tests/support/processes.py), kills it
when the peers' own counts say the work is under way (never on a clock), restarts it, and
waits, bounded, for the peers' counts to reach the total.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from compagnon import operations
from compagnon.operations import catalogue_sync as sync_ops
from compagnon.server.worker import Worker
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Activity, Object, SyncJob
from tests.support.databases import fresh_database
from tests.support.fanout import delivery_states, queue_fan_out
from tests.support.inboxes import CountingInboxes
from tests.support.processes import NodeProcess
from tests.support.remote_actor import RemoteActor

POSTS = 200
INBOXES = 5
DEADLINE = 120.0  # seconds for the whole fan-out after the restart: a bound, not a wait


async def test_kill_9_during_a_fan_out_loses_nothing_and_resends_only_what_was_in_flight(
    backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    total = POSTS * INBOXES
    async with fresh_database(backend, tmp_path) as url, CountingInboxes(INBOXES) as inboxes:
        node = NodeProcess("fanout", url, tmp_path)
        await queue_fan_out(node.settings, inboxes, POSTS)
        try:
            await node.start()
            # Killed once the inboxes have 40 % of the fan-out: the worker is mid-batch.
            await inboxes.until(lambda r: r.posts >= total * 2 // 5, within=DEADLINE)
            await node.kill()
            before_restart = inboxes.posts
            await node.start()
            await inboxes.until(lambda r: r.distinct() == total, within=DEADLINE)
            await node.stop()  # a clean stop: the worker records its last outcomes
        finally:
            await node.kill()
        states = await delivery_states(url)

    lost = total - inboxes.distinct()
    duplicates = inboxes.duplicates()
    in_flight = node.settings.delivery_concurrency
    with capsys.disabled():  # the figure docs/reliability.md reports
        print(
            f"\n[kill -9 during a fan-out, {backend}] {total} deliveries, killed after "
            f"{before_restart} POSTs: lost {lost}, duplicates {duplicates}"
        )
    assert lost == 0
    assert states == {"delivered": total}
    # Re-sent only what was in flight, or answered and not yet recorded, at the kill.
    assert duplicates <= 2 * in_flight, f"{duplicates} deliveries sent twice"


async def send_burst(
    actor: RemoteActor,
    inbox: str,
    numbers: list[int],
    accepted: set[int],
    *,
    lanes: int = 16,
    enough: tuple[int, asyncio.Event] | None = None,
) -> None:
    """POST Creates `numbers` to `inbox`, `lanes` at a time, as a busy peer would; the ones
    answered 202 go into `accepted` (`enough`: set the event once that many are)."""
    waiting = list(numbers)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as client:

        async def lane() -> None:
            while waiting:
                number = waiting.pop(0)
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    if await actor.post(client, inbox, actor.create(number)) == 202:
                        accepted.add(number)
                if enough is not None and len(accepted) >= enough[0]:
                    enough[1].set()

        await asyncio.gather(*(lane() for _ in range(lanes)))


async def apply_pending(node: NodeProcess) -> None:
    """What the restarted node's worker does with what it holds, driven here to the end (the
    same Worker as `serve` runs, on the node's database, under its worker name)."""
    async with operations.federation(node.settings) as ctx:
        worker = Worker(ctx, name=node.environ["COMPAGNON_WORKER_NAME"])
        await worker.start()
        for _ in range(20):
            if (await worker.run_once()).idle:
                return
    raise AssertionError("the worker did not finish in 20 passes")


async def test_kill_9_during_an_inbox_burst_loses_nothing_that_was_accepted(
    backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    total = 400
    actor = await RemoteActor().start()
    accepted: set[int] = set()
    async with fresh_database(backend, tmp_path) as url:
        node = NodeProcess("burst", url, tmp_path)
        try:
            await node.start()
            inbox = f"{node.base}/inbox"
            enough = asyncio.Event()
            burst = asyncio.create_task(
                send_burst(actor, inbox, list(range(total)), accepted, enough=(total // 3, enough))
            )
            async with asyncio.timeout(DEADLINE):
                await enough.wait()
            await node.kill()  # mid-burst: requests in flight, a group commit maybe half done
            await burst
            before_kill = set(accepted)
            await node.start()
            # The peer sends again what got no 202, as a peer retries.
            missing = sorted(set(range(total)) - accepted)
            await send_burst(actor, inbox, missing, accepted)
            await node.stop()
        finally:
            await node.kill()
            await actor.stop()
        await apply_pending(node)
        stored, applied = await inbound_state(url, actor)

    with capsys.disabled():
        print(
            f"\n[kill -9 during an inbox burst, {backend}] {len(before_kill)} of {total} "
            f"accepted before the kill; after the restart: {len(applied)} applied, "
            f"lost {len(before_kill - applied)}"
        )
    assert 0 < len(before_kill) < total, "the kill did not land inside the burst"
    assert accepted == set(range(total))
    assert stored == {actor.create(n)["id"]: 1 for n in range(total)}  # each stored once
    assert applied == set(range(total))  # every accepted Create applied: its note is held


async def inbound_state(url: str, actor: RemoteActor) -> tuple[dict[str, int], set[int]]:
    """How many times each of the actor's activities is stored (done), and which notes."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(Activity.uri, func.count())
                .where(Activity.actor_uri == actor.uri, Activity.state == "done")
                .group_by(Activity.uri)
            )
            stored = {uri: int(n) for uri, n in rows}
            notes = await session.execute(
                select(Object.uri).where(Object.uri.startswith(f"{actor.base}/notes/"))
            )
            applied = {int(uri.rsplit("/", 1)[1]) for uri in notes.scalars()}
    finally:
        await engine.dispose()
    return stored, applied


async def test_kill_9_during_a_catalogue_sync_resumes_and_imports_nothing_twice(
    backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages, per_page, kill_at = 12, 20, 6
    actor = RemoteActor(pages=pages, per_page=per_page)
    async with fresh_database(backend, tmp_path) as url:
        node = NodeProcess("sync", url, tmp_path)
        killed, last_page = asyncio.Event(), asyncio.Event()

        async def kill_mid_sync(page: int) -> None:
            if page == kill_at and not killed.is_set():
                killed.set()
                await node.kill()  # while the node waits for this page
            if page == pages:
                last_page.set()

        actor.on_page = kill_mid_sync
        await actor.start()
        try:
            await sync_ops.catalogue_sync(node.settings, actor.uri)  # queued, as the CLI does
            await node.start()
            async with asyncio.timeout(DEADLINE):
                await killed.wait()
            served_before = list(actor.pages_served)
            await node.start()
            async with asyncio.timeout(DEADLINE):
                await last_page.wait()
            await node.stop()  # a clean stop: the worker's pass stores the last page
        finally:
            await node.kill()
            await actor.stop()
        async with operations.database(node.settings) as sessions, sessions() as session:
            job = await session.scalar(select(SyncJob))
            assert job is not None
            notes = await session.scalar(
                select(func.count())
                .select_from(Object)
                .where(Object.uri.startswith(f"{actor.base}/notes/"))
            )

    after = actor.pages_served[len(served_before) :]
    with capsys.disabled():
        print(
            f"\n[kill -9 during a catalogue sync, {backend}] killed waiting for page {kill_at} "
            f"of {pages}; after the restart pages {after}; {job.imported} imported, "
            f"{job.known} already held"
        )
    assert job.state == "done"
    assert notes == pages * per_page
    assert job.known == 0 and job.imported == pages * per_page  # no page stored twice
    assert after[0] > 1, "the restarted sync started again from the first page"
