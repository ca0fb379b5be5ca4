"""Scenario aggregator (issue 11, part 6): a national aggregator on PostgreSQL holding N
records of C centres (full: 1,000 x 1,000 = 1,000,000; --quick: 100 x 1,000 = 100,000),
beside the same node holding 10,000 (the baseline), measured the same way:

- fill: bench/aggregator_fill.py bulk-loads (COPY) the rows ingest writes for each record
  (objects, search index, OAI records and sets, the statistics counts through the node's own
  `rebuild`): the figure is the loading time, not the node's;
- statistics: `GET /statistics` (the HTML page, its SVG charts) and `/statistics.json`,
  sequentially, p50/p99 (goal < 300 ms);
- OAI-PMH: `ListRecords` (oai_dc, 100 records a page) from a random `from` datestamp, p50/p99
  (goal p99 < 100 ms); then a harvest following resumption tokens from the start, bounded by
  HARVEST_RECORDS and HARVEST_SECONDS (goal >= 5,000 records/s), said when bounded;
- ingest: `compagnon serve --web-processes 2` and 2 `compagnon worker` processes sharing the
  queue; the fleet's loopback actors POST signed Create(LearningResource)s (signed before the
  clock starts, 32 in flight, a bounded count); accepted/s, and applied/s until the queue is
  drained (every one indexed, recorded for OAI and counted on the way);
- catalogue sync: the sync scenario's path (4 real centres, serve + 1 worker) into this
  aggregator database, 100,000 records (10,000 with --quick).

The OAI-PMH measures run twice: first reads (the loader stores no rendered metadata, as
after migration 0027 or a change: each record is rendered on its first read and stored,
handover/rendered.py) and then again, reading stored metadata.

BENCH_AGGREGATOR_STEPS (comma-separated: statistics, oai, ingest, sync; default all) runs
only some steps, e.g. `BENCH_AGGREGATOR_STEPS=oai` to measure the OAI endpoint alone.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
import traceback
from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
from lxml import etree

from bench import aggregator_fill, node
from bench.datagen import START
from bench.fakeactors import AS_PUBLIC, FakeActor, SignedPost, sign_post
from bench.fleet import Fleet, Target, fleet
from bench.loadgen import send
from bench.pgscratch import asyncpg_dsn, database_of, scratch_database
from bench.procs import BenchError, Process, start
from bench.report import Measure
from bench.scenarios import sync
from bench.scenarios.context import Bench
from bench.scenarios.scaling import Postgres, _drained
from bench.stats import percentile

BENCH_DATABASE = "compagnon_bench_aggregator"
BASELINE_RECORDS = 10_000
PER_CENTRE = 1_000
STATS_GOAL_MS, OAI_P99_GOAL_MS, HARVEST_GOAL = 300.0, 100.0, 5000.0
STATS_REQUESTS, OAI_REQUESTS = 60, 200
HARVEST_RECORDS, HARVEST_SECONDS = 200_000, 60.0
STEPS = frozenset(os.environ.get("BENCH_AGGREGATOR_STEPS", "statistics,oai,ingest,sync").split(","))
INGEST_COUNT = {True: 600, False: 2000}  # quick / full
CONCURRENCY = 32
WEB_PROCESSES = 2
OAI = "{http://www.openarchives.org/OAI/2.0/}"


async def run(bench: Bench) -> list[Measure]:
    quick = bench.sizes.sync_records < 100_000
    records = 100_000 if quick else 1_000_000
    measures: list[Measure] = []
    try:
        centres_bench = replace(bench, workdir=bench.workdir / "centres")
        centres_bench.workdir.mkdir(parents=True, exist_ok=True)
        centres: list[node.CompagnonNode] = []
        async with fleet(bench.workdir, bench.sizes.fake_actors) as actors:
            for label, size in (("baseline", BASELINE_RECORDS), ("aggregator", records)):
                if not centres and "sync" in STEPS:  # loaded once, synced into both
                    started = time.monotonic()
                    centres = await sync.centres_for(centres_bench)
                    print(
                        f"   sync centres loaded in {time.monotonic() - started:.0f} s", flush=True
                    )
                measures += await _one(bench, actors, label, size, quick, centres)
    except (OSError, asyncpg.PostgresError) as exc:
        measures.append(
            Measure(
                "aggregator",
                "national aggregator",
                "",
                [],
                note=f"not measured: PostgreSQL unavailable ({exc})",
            )
        )
    return measures


async def _one(
    bench: Bench,
    actors: Fleet,
    label: str,
    records: int,
    quick: bool,
    sync_centres: list[node.CompagnonNode],
) -> list[Measure]:
    centres = max(1, records // PER_CENTRE)
    held = f"{records:,} records ({centres:,} centres)"
    here = replace(bench, workdir=bench.workdir / label)
    here.workdir.mkdir(parents=True, exist_ok=True)
    print(f"   aggregator: {held}", flush=True)
    measures: list[Measure] = []
    async with scratch_database(BENCH_DATABASE) as url:
        # Rendering OAI metadata ahead of harvests off: "first read" measures a first read,
        # and ingest and sync are measured as before it existed (its cost: bench/README.md).
        spec = node.NodeSpec(
            "aggregator",
            here.workdir,
            database_url=url,
            web_processes=WEB_PROCESSES,
            settings=(("COMPAGNON_OAI_RENDER_AHEAD", "false"),),
        )
        aggregator = node.CompagnonNode(spec)
        await aggregator.create_user("alice")  # the node's migrations
        db = await asyncpg.connect(asyncpg_dsn(url))
        try:
            first_actor = int(await db.fetchval("SELECT max(id) FROM actors")) + 1
            data = aggregator_fill.resource_set(records, centres, first_actor)
            started = time.monotonic()
            await aggregator_fill.load(url, data)
            loaded = time.monotonic() - started
            print(f"   filled in {loaded:.0f} s", flush=True)
            measures.append(
                Measure(
                    "aggregator",
                    f"bulk fill (COPY), {held}",
                    "s",
                    [loaded],
                    note="the bench's loader, not the node: see aggregator_fill",
                )
            )
            workers: list[Process] = []
            try:
                await aggregator.start()
                for i in range(WEB_PROCESSES):
                    env = {**aggregator.env, "COMPAGNON_WORKER_NAME": f"bench-agg-worker-{i}"}
                    workers.append(
                        start(
                            f"compagnon worker {i}",
                            [Path(sys.executable).parent / "compagnon", "worker"],
                            log_path=aggregator.home / f"worker-{i}.log",
                            cwd=aggregator.home,
                            env=env,
                        )
                    )
                base = aggregator.base_url
                async with aiohttp.ClientSession() as http:
                    if "statistics" in STEPS:
                        measures += await _step(
                            "statistics", held, _statistics(http, base, held, records)
                        )
                    if "oai" in STEPS:
                        covered: list[datetime] = []  # how far the first harvest rendered
                        for state in ("first read", "stored"):
                            measures += await _step(
                                "OAI-PMH", held, _oai(http, base, held, records, state, covered)
                            )
                pg = Postgres(db, database_of(url))
                if "ingest" in STEPS:
                    measures += await _step(
                        "ingest", held, _ingest(bench, actors, aggregator, pg, workers, held, quick)
                    )
            finally:
                for worker in workers:
                    worker.stop()
                aggregator.stop()
        finally:
            await db.close()
        if "sync" not in STEPS:
            return measures
        name = (
            f"catalogue sync of {bench.sizes.sync_records:,} records into an aggregator "
            f"holding {held}"
        )
        synced = await _step(
            "sync", held, sync._run(here, url, name, aggregator.port, sync_centres)
        )
        measures += [replace(m, scenario="aggregator") for m in synced]
    return measures


async def _step(what: str, held: str, measuring: Awaitable[list[Measure]]) -> list[Measure]:
    """One measure's failure is reported as a row; the others still run. Each figure is
    printed as soon as it is measured (a long run stopped halfway keeps what it had)."""
    try:
        found = await measuring
        for m in found:
            print(f"   | {m.name} | {m.median:,.4g} {m.unit} | {m.goal} | {m.note} |", flush=True)
        return found
    except Exception as exc:  # a bench reports what failed and goes on
        traceback.print_exc()
        return [
            Measure(
                "aggregator",
                f"{what}, {held}",
                "",
                [],
                note=f"not measured: {type(exc).__name__}: {exc}",
            )
        ]


async def _timed_get(http: aiohttp.ClientSession, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    async with http.get(url) as answer:
        body = await answer.read()
        if answer.status != 200:
            raise BenchError(f"GET {url}: {answer.status}")
    return (time.perf_counter() - started) * 1000, body


async def _statistics(
    http: aiohttp.ClientSession, base: str, held: str, records: int
) -> list[Measure]:
    measures = []
    for path in ("/statistics", "/statistics.json"):
        await _timed_get(http, base + path)  # warm: templates, connections
        times = [(await _timed_get(http, base + path))[0] for _ in range(STATS_REQUESTS)]
        p50, p99 = percentile(times, 50), percentile(times, 99)
        measures += [
            Measure(
                "aggregator",
                f"GET {path}, {held}, p50",
                "ms",
                [p50],
                f"< {STATS_GOAL_MS:.0f} ms",
                p50 < STATS_GOAL_MS,
                f"{STATS_REQUESTS} requests one after the other",
            ),
            Measure(
                "aggregator",
                f"GET {path}, {held}, p99",
                "ms",
                [p99],
                f"< {STATS_GOAL_MS:.0f} ms",
                p99 < STATS_GOAL_MS,
                "",
            ),
        ]
    _, body = await _timed_get(http, base + "/statistics.json")
    counted = int(orjson.loads(body)["total"])
    if counted != records:
        measures[0] = replace(
            measures[0], note=measures[0].note + f"; counted {counted:,}, expected {records:,}"
        )
    return measures


def _records_and_token(body: bytes) -> tuple[int, str | None]:
    root = etree.fromstring(body)
    if root.find(f"{OAI}error") is not None:
        raise BenchError(f"OAI error: {root.find(f'{OAI}error').get('code')}")
    found = len(root.findall(f"{OAI}ListRecords/{OAI}record"))
    token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
    return found, (token.text if token is not None and token.text else None)


def _last_datestamp(body: bytes) -> datetime:
    stamps = etree.fromstring(body).findall(
        f"{OAI}ListRecords/{OAI}record/{OAI}header/{OAI}datestamp"
    )
    return datetime.strptime(stamps[-1].text or "", "%Y-%m-%dT%H:%M:%SZ")  # naive, as START


async def _oai(
    http: aiohttp.ClientSession,
    base: str,
    held: str,
    records: int,
    state: str,
    covered: list[datetime],
) -> list[Measure]:
    """`state`: "first read" (the metadata not rendered yet, except what earlier pages of
    this pass rendered), or "stored": the same requests within what the first harvest read
    (and so rendered): random pages from its span, and a harvest up to its last datestamp
    (`until`). The first harvest is bounded in time: at a million records it reads a part,
    and pages past it would be first reads again, not stored ones."""
    rng = random.Random(3)
    span = timedelta(seconds=30 * records)  # the loader's datestamps: START + 30 s per record
    first = f"{base}/oai?verb=ListRecords&metadataPrefix=oai_dc"
    if state == "first read":
        await _timed_get(http, first)
    else:
        # A page from `since` must still hold 100 records before `until`.
        span = min(span, covered[0] - START - timedelta(seconds=30 * 200))
        first += f"&until={covered[0]:%Y-%m-%dT%H:%M:%SZ}"
    times = []
    for _ in range(OAI_REQUESTS):
        since = START + span * rng.random() * 0.98
        took, body = await _timed_get(http, f"{first}&from={since:%Y-%m-%dT%H:%M:%SZ}")
        found, _token = _records_and_token(body)
        if found != 100:
            raise BenchError(f"OAI page of {found} records, not 100")
        times.append(took)
    p50, p99 = percentile(times, 50), percentile(times, 99)
    # The harvest: from the start, token after token, bounded.
    harvested, pages, url = 0, 0, first
    page_times: list[float] = []
    started = time.perf_counter()
    while True:
        took, body = await _timed_get(http, url)
        found, token = _records_and_token(body)
        harvested, pages = harvested + found, pages + 1
        page_times.append(took)
        elapsed = time.perf_counter() - started
        if token is None or harvested >= HARVEST_RECORDS or elapsed > HARVEST_SECONDS:
            if state == "first read":
                covered.append(_last_datestamp(body))
            break
        url = f"{base}/oai?verb=ListRecords&resumptionToken={token}"
    rate = harvested / elapsed if elapsed else 0.0
    whole = token is None
    bounded = "" if whole else f" (bounded: the first {harvested:,} of {records:,})"
    if state != "first read":
        bounded = f" (until the first harvest's last record, {covered[0]:%Y-%m-%dT%H:%M:%SZ})"
    note = (
        f"{harvested:,} records in {pages:,} pages, {elapsed:.1f} s"
        + bounded
        + f"; page p50 {percentile(page_times, 50):.1f} ms,"
        f" p99 {percentile(page_times, 99):.1f} ms"
    )
    return [
        Measure(
            "aggregator",
            f"OAI-PMH ListRecords page of 100 from a random date ({state}), {held}, p50",
            "ms",
            [p50],
            "",
            None,
            f"{OAI_REQUESTS} requests, oai_dc",
        ),
        Measure(
            "aggregator",
            f"OAI-PMH ListRecords page of 100 from a random date ({state}), {held}, p99",
            "ms",
            [p99],
            f"< {OAI_P99_GOAL_MS:.0f} ms",
            p99 < OAI_P99_GOAL_MS,
            "",
        ),
        Measure(
            "aggregator",
            f"OAI-PMH harvest (resumption tokens, {state}), {held}",
            "records/s",
            [rate],
            f"≥ {HARVEST_GOAL:,.0f}/s",
            rate >= HARVEST_GOAL,
            note,
        ),
    ]


def _create_resource(actor: FakeActor, tag: str, n: int) -> dict[str, Any]:
    """A public Create(LearningResource) as a centre's node sends it: indexed, recorded for
    OAI and counted by the aggregator."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    uri = f"{actor.uri}/resources/{tag}"
    followers = f"{actor.uri}/followers"
    eqf, field = 3 + n % 3, ("0715", "1013", "0413", "0732")[n % 4]
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{uri}/activity",
        "type": "Create",
        "actor": actor.uri,
        "published": now,
        "to": [AS_PUBLIC],
        "cc": [followers],
        "object": {
            "id": uri,
            "type": ["Note", "LearningResource"],
            "attributedTo": actor.uri,
            "name": f"Worksheet {tag}",
            "content": f"<p>Worksheet {tag}: welding safety</p>",
            "published": now,
            "url": uri,
            "to": [AS_PUBLIC],
            "cc": [followers],
            "inLanguage": [("es", "pt", "fr")[n % 3]],
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "learningResourceType": [{"id": "https://w3id.org/kim/hcrt/worksheet"}],
            "educationalAlignment": [
                {"type": "AlignmentObject", "targetUrl": f"http://data.europa.eu/snb/eqf/{eqf}"},
                {
                    "type": "AlignmentObject",
                    "targetUrl": f"http://data.europa.eu/snb/isced-f/{field}",
                },
            ],
        },
    }


async def _ingest(
    bench: Bench,
    actors: Fleet,
    aggregator: node.CompagnonNode,
    pg: Postgres,
    workers: list[Process],
    held: str,
    quick: bool,
) -> list[Measure]:
    inbox = f"{aggregator.base_url}/inbox"
    deadline = bench.sizes.deadline
    await actors.warm_up(
        Target("aggregator", inbox, f"{aggregator.base_url}/users/alice"), deadline
    )
    await _drained(pg, workers, deadline)
    count = INGEST_COUNT[quick]
    run = f"agg{int(time.time())}"

    def one(n: int) -> SignedPost:
        actor = actors.actors[n % len(actors.actors)]
        return sign_post(actor, inbox, _create_resource(actor, f"{run}-{n}", n))

    posts = await asyncio.to_thread(lambda: [one(n) for n in range(count)])
    entries_before = int(await pg.db.fetchval("SELECT count(*) FROM search_entries"))
    started = time.monotonic()
    load = await send(posts, CONCURRENCY, deadline)
    accepted_s = time.monotonic() - started
    await _drained(pg, workers, bench.sizes.sync_deadline)
    applied_s = time.monotonic() - started
    indexed = int(await pg.db.fetchval("SELECT count(*) FROM search_entries")) - entries_before
    note = (
        f"{load.ok:,} of {load.sent:,} accepted; {indexed:,} indexed and counted; "
        f"serve --web-processes {WEB_PROCESSES} + {len(workers)} workers, "
        f"{CONCURRENCY} in flight"
    )
    return [
        Measure(
            "aggregator",
            f"ingest: signed Create(LearningResource) accepted, {held}",
            "/s",
            [load.ok / accepted_s if accepted_s else 0.0],
            "",
            None,
            note,
        ),
        Measure(
            "aggregator",
            f"ingest: applied (first POST → queue drained), {held}",
            "/s",
            [load.ok / applied_s if applied_s else 0.0],
            "",
            None,
            f"p50 {load.summary()['p50_ms']} ms, p99 {load.summary()['p99_ms']} ms per POST",
        ),
    ]
