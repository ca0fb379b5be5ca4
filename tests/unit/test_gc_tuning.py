"""A node process settles its garbage collector once started (server/gc_tuning.py): start-up's
objects frozen, young collections rarer. What must not change: garbage made later, cycles
included, is still freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from compagnon.server import gc_tuning
from tests.conftest import NodeFactory


@pytest.fixture
def restored_collector() -> Iterator[None]:
    """The test process's collector as it was: settle() is meant for a node's own process."""
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


class Node:
    """Something that refers to itself, as ORM state and parsed documents often do."""

    def __init__(self) -> None:
        self.me = self


@pytest.mark.usefixtures("restored_collector")
def test_settle_freezes_what_start_up_made_and_waits_longer_for_young_collections() -> None:
    gc_tuning.settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == gc_tuning.YOUNG


@pytest.mark.usefixtures("restored_collector")
def test_cycles_made_after_settling_are_still_collected() -> None:
    gc_tuning.settle()
    cycle = Node()
    alive = weakref.ref(cycle)
    del cycle  # only the cycle holds it now: reference counting alone cannot free it
    gc.collect()
    assert alive() is None


async def test_a_node_started_inside_the_tests_leaves_their_collector_alone(
    make_node: NodeFactory,
) -> None:
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    await make_node("a")  # the app started in this process: only `serve` settles
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
