"""The hostile corpus against every GET route of the router, with odd query strings
(get_cases.py); runner in corpus_runner.py."""

from __future__ import annotations

import random

from tests.conftest import NodeFactory
from tests.hostile import generator, get_cases
from tests.hostile.corpus_runner import run, sender_and_target
from tests.support.nodes import Node


def get_routes(node: Node) -> list[str]:
    """Every GET path template of the running app, from its router."""
    assert node.app is not None
    found = []
    for route in node.app.router.routes():
        if route.method != "GET":
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        if "formatter" in info:
            found.append(str(info["formatter"]))
        elif "path" in info:
            found.append(str(info["path"]))
        elif "prefix" in info:  # static files
            found.append(str(info["prefix"]) + "/{filename}")
    return sorted(set(found))


async def test_every_get_route_with_odd_query_strings(make_node: NodeFactory) -> None:
    node, _sender, target = await sender_and_target(make_node)
    routes = get_routes(node)
    assert "/users/{username}/outbox" in routes and "/search" in routes
    cases = get_cases.get_cases(routes, target, random.Random(generator.SEED))
    tally = await run(node, cases, f"GET ({len(routes)} routes)")
    assert tally.tried >= 500
