"""fediverse-pasture's checks of our inbox: verify_actor's signature verdicts, and its inputs
corpus (hundreds of edge-case Create(Note)s) taken without a single 5xx and stored clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from compagnon.storage.models import Object
from tests.conftest import NodeFactory
from tests.interop.peers._process import free_port
from tests.interop.peers.pasture_peer import (
    IDEAL_POST_INBOX,
    VerifyActor,
    post_inbox_verdicts,
    run_inputs_corpus,
)
from tests.support.nodes import settle

pytestmark = pytest.mark.interop


async def test_verify_actor_gives_the_ideal_result(
    make_node: NodeFactory, verify_actor: VerifyActor
) -> None:
    node = await make_node("a")
    ana = await node.create_user("ana")
    result = await verify_actor.verify(ana.uri)
    assert post_inbox_verdicts(result) == IDEAL_POST_INBOX, verify_actor.messages
    assert result["webfinger"] is True
    assert all(result[name]["get_actor"] for name in IDEAL_POST_INBOX)


async def test_inputs_corpus_is_accepted_and_stored_sanitised(
    make_node: NodeFactory, pasture_installed: Path, tmp_path: Path
) -> None:
    node = await make_node("a")
    ana = await node.create_user("ana")
    results = await run_inputs_corpus(ana.uri, port=free_port(), log_dir=tmp_path)
    assert len(results) > 200
    statuses = sorted({r["status"] for r in results}, key=str)
    server_errors = [r for r in results if r["status"] is None or r["status"] >= 500]
    assert server_errors == [], statuses
    accepted = [r for r in results if r["status"] == 202]
    assert len(accepted) >= 0.9 * len(results), statuses
    await settle(node, rounds=20)
    async with node.sessions() as session:
        stored = list(
            (await session.execute(select(Object).where(Object.is_local.is_(False)))).scalars()
        )
    assert len(stored) >= 0.8 * len(accepted)
    for obj in stored:
        lowered = obj.content.lower()
        for bad in ("<script", "onerror=", "javascript:", "<iframe", "<img", "style="):
            assert bad not in lowered, (obj.uri, obj.content[:300])
