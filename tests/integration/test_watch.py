"""What an operator's tools read: /healthz, /readyz, /metrics in Prometheus' format, and the
request id that follows an activity from the inbox POST to the worker's log lines."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from compagnon import logs
from compagnon.storage.models import Activity
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle


async def scrape(
    node: Node, **headers: str
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{node.base}/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_healthz_and_readyz_on_a_fresh_node(make_node: NodeFactory) -> None:
    node = await make_node("a")
    async with httpx.AsyncClient() as client:
        alive = await client.get(f"{node.base}/healthz")
        ready = await client.get(f"{node.base}/readyz")
    assert alive.status_code == 200 and alive.json() == {"status": "alive"}
    assert ready.status_code == 200
    assert ready.json() == {
        "ready": True,
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "queue_inbound": "ok",
            "queue_deliveries": "ok",
        },
    }


async def test_readyz_reports_a_stuck_queue_until_the_worker_runs(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a", ready_max_queue_age=0)
    b = await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    await b.follow("joao", f"@maria@{a.domain}")
    await settle(b)  # b delivers the Follow; a has not applied it yet
    async with httpx.AsyncClient() as client:
        stuck = await client.get(f"{a.base}/readyz")
        assert stuck.status_code == 503
        assert stuck.json()["checks"]["queue_inbound"].startswith("oldest waits")
        await settle(a, b)
        again = await client.get(f"{a.base}/readyz")
    assert again.status_code == 200, again.json()


async def test_metrics_count_what_crossed_between_two_nodes(make_node: NodeFactory) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    before_a, before_b = await scrape(a), await scrape(b)

    await b.follow("joao", f"@maria@{a.domain}")
    await settle(b)
    pending = await scrape(a)
    assert value(pending, "compagnon_queue_depth", queue="inbound") == 1
    await settle(a, b)
    after_a, after_b = await scrape(a), await scrape(b)

    accepted = "compagnon_inbox_requests_total"
    # a accepted the Follow, b the Accept (counters are the process's: compare differences)
    assert value(after_a, accepted, outcome="accepted") > value(
        before_a, accepted, outcome="accepted"
    )
    delivered = "compagnon_deliveries_total"
    assert (
        value(after_b, delivered, outcome="delivered")
        >= value(before_b, delivered, outcome="delivered") + 1
    )
    assert value(after_a, "compagnon_activities_applied_total", result="done") > value(
        before_a, "compagnon_activities_applied_total", result="done"
    )
    assert value(after_a, "compagnon_queue_depth", queue="inbound") == 0
    assert value(after_a, "compagnon_peers_unreachable") == 0
    inbox_route = ("route", "/users/{username}/inbox")
    assert any(
        name == "compagnon_http_request_duration_seconds_count" and inbox_route in labels
        for name, labels in after_a
    ), "latency is counted per route pattern, not per path"


async def test_a_refused_post_is_counted_by_its_reason(make_node: NodeFactory) -> None:
    node = await make_node("a")
    before = await scrape(node)
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{node.base}/inbox",
            content=b"{not json",
            headers={"Content-Type": "application/activity+json"},
        )
    assert answer.status_code == 400
    after = await scrape(node)
    name = "compagnon_inbox_requests_total"
    assert value(after, name, outcome="malformed") == value(before, name, outcome="malformed") + 1


async def test_metrics_ask_for_the_token_when_one_is_set(make_node: NodeFactory) -> None:
    node = await make_node("a", metrics_token="s3cret-token")
    async with httpx.AsyncClient() as client:
        refused = await client.get(f"{node.base}/metrics")
        wrong = await client.get(f"{node.base}/metrics", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 403 and wrong.status_code == 403
    samples = await scrape(node, Authorization="Bearer s3cret-token")
    assert ("compagnon_queue_depth", (("queue", "deliveries"),)) in samples


async def test_the_request_id_follows_an_activity_into_the_worker(
    make_node: NodeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await b.create_user("joao")
    async with httpx.AsyncClient() as client:
        offered = await client.get(f"{a.base}/healthz", headers={"X-Request-Id": "proxy-42"})
        hostile = await client.get(
            f"{a.base}/healthz", headers={"X-Request-Id": "<script>" + "x" * 100}
        )
    assert offered.headers["X-Request-Id"] == "proxy-42"  # a proxy's id is kept
    assert len(hostile.headers["X-Request-Id"]) == 32  # replaced by a fresh one

    await b.follow("joao", f"@maria@{a.domain}")
    await settle(b)
    async with a.sessions() as session:
        follow = await session.scalar(select(Activity).where(Activity.type == "Follow"))
    assert follow is not None and follow.request_id
    with caplog.at_level(logging.DEBUG, logger="compagnon.server.worker"):
        await settle(a, b)
    lines = [r for r in caplog.records if f"activity {follow.id} (Follow)" in r.getMessage()]
    assert lines and all(getattr(r, "request_id", None) == follow.request_id for r in lines)


def test_json_log_lines_carry_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO", "json")
    try:
        token = logs.request_id.set("req-7")
        try:
            logging.getLogger("compagnon.test").info("delivered to %s", "peer.example")
        finally:
            logs.request_id.reset(token)
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert record["message"] == "delivered to peer.example"
        assert record["request_id"] == "req-7" and record["level"] == "INFO"
    finally:
        logs.configure("INFO", "text")
