"""The node killed with SIGKILL (no cleanup, as a power cut or the OOM killer) in the middle of
its work, then started again on the same database: nothing it had taken on is lost, and what
it does twice is bounded by what was in flight at the moment of the kill.

Each test runs `compagnon serve` as a child process (tests/support/processes.py), kills it
when the peers' own counts say the work is under way (never on a clock), restarts it, and
waits, bounded, for the peers' counts to reach the total.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.databases import fresh_database
from tests.support.fanout import delivery_states, queue_fan_out
from tests.support.inboxes import CountingInboxes
from tests.support.processes import NodeProcess

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
