"""The hostile corpus against the inbox: signed activities of every kind, malformed and
odd (inbox_cases.py), from a real peer, on SQLite and PostgreSQL; runner in corpus_runner.py."""

from __future__ import annotations

import random

from tests.conftest import NodeFactory
from tests.hostile import generator, inbox_cases
from tests.hostile.corpus_runner import run, sender_and_target


async def test_inbox_corpus(make_node: NodeFactory, backend: str) -> None:
    node, sender, target = await sender_and_target(make_node, backend)
    cases = inbox_cases.inbox_cases(sender, target, random.Random(generator.SEED))
    tally = await run(node, cases, "inbox")
    assert tally.tried >= 500
