"""Per-operation costs of the inbound and outbound paths, measured in-process with the node's
own functions: the budget that the load figures are made of (DESIGN.md §10 lists the same
operations as measured on an idle machine of this size).

Beside the node's choices, what they replaced: bleach beside nh3 for sanitising, and the
inbox's group commit through the async session beside the SQLite writer thread `serve` uses.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench import node
from bench.fakeactors import create_note, make_actors, sign_post
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.stats import median
from compagnon.federation.inbox.writer import InboxWriter
from compagnon.federation.jsonld import OUR_CONTEXT, expand
from compagnon.federation.sanitize import sanitize_html
from compagnon.federation.signing.signatures import (
    PublicKeyInfo,
    load_private_key,
    load_public_key,
    sign_cavage,
    verify_request,
)
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.queries import actors as actor_queries

REPS = 3
BASE = "http://127.0.0.1:9"  # never contacted: only used in URLs and signatures
REFERENCE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "reference"
# A markup-dense Mastodon post (mentions, hashtags, a list), ~2 KB: the expensive case for the
# sanitiser; plain prose of the same length is ~10x cheaper.
DENSE_POST = (
    '<p>Hello <span class="h-card"><a href="https://m.example/@bo" class="u-url mention">'
    "@<span>bo</span></a></span>, here is the <strong>welding</strong> checklist:</p>"
    "<ul><li>gloves</li><li>mask</li><li>ventilation</li></ul>"
    '<p><a href="https://m.example/tags/welding" class="mention hashtag">#welding</a></p>'
) * 8


async def _per_call(call: Callable[[], Awaitable[Any]], count: int) -> list[float]:
    """Median microseconds per call, for each of REPS repetitions of `count` calls."""
    runs = []
    for _ in range(REPS):
        started = time.perf_counter()
        for _ in range(count):
            await call()
        runs.append((time.perf_counter() - started) / count * 1e6)
    return runs


async def run(bench: Bench) -> list[Measure]:
    actor = make_actors(BASE, 1)[0]
    activity = create_note(actor, "micro", f"{BASE}/users/alice")
    inbox = f"{BASE}/inbox"
    post = sign_post(actor, inbox, activity)
    private = load_private_key(actor.private_pem)
    key = PublicKeyInfo(actor.key_id, actor.uri, load_public_key(actor.public_pem))

    async def in_memory(_key_id: str, _refresh: bool) -> PublicKeyInfo:
        return key

    async def sign() -> None:
        sign_cavage(
            "POST",
            inbox,
            {"Content-Type": "application/activity+json"},
            post.body,
            actor.key_id,
            private,
        )

    async def verify() -> None:
        await verify_request("POST", inbox, post.headers, post.body, in_memory)

    async def parse() -> None:
        orjson.loads(post.body)

    async def sanitize() -> None:
        sanitize_html(activity["object"]["content"])

    async def sanitize_dense() -> None:
        sanitize_html(DENSE_POST)

    resource = json.loads((REFERENCE / "learning-resource.activity.json").read_text())
    resource["@context"] = [*OUR_CONTEXT, "http://schema.org/"]  # schema.org: the big one
    started = time.perf_counter()
    expand(resource)  # the first expansion of this process processes the contexts
    expand_cold = (time.perf_counter() - started) * 1e6

    async def expand_warm() -> None:
        expand(resource)

    measures = [
        Measure("micro", "RSA-2048 draft-cavage sign of a POST", "µs", await _per_call(sign, 200)),
        Measure("micro", "draft-cavage verify, key in memory", "µs", await _per_call(verify, 500)),
        Measure(
            "micro", "orjson parse of a 1.5 KB Create(Note)", "µs", await _per_call(parse, 2000)
        ),
        Measure(
            "micro",
            "sanitize_html of the note's 600 B of HTML (nh3)",
            "µs",
            await _per_call(sanitize, 2000),
        ),
        *await _bleach(activity["object"]["content"]),
        Measure(
            "micro",
            f"sanitize_html of a {len(DENSE_POST):,} B markup-dense post (nh3)",
            "µs",
            await _per_call(sanitize_dense, 500),
        ),
        Measure(
            "micro",
            "JSON-LD expand of a learning resource (+ schema.org), first call",
            "µs",
            [expand_cold],
        ),
        Measure(
            "micro",
            "JSON-LD expand of the same, contexts cached (static)",
            "µs",
            await _per_call(expand_warm, 200),
        ),
    ]
    n = node.CompagnonNode(node.NodeSpec("micro", bench.workdir))
    await n.create_user("alice")  # creates the database with the node's migrations
    url = n.settings.resolved_database_url
    engine = create_engine(url)
    try:
        measures += await _database(create_sessionmaker(engine))
    finally:
        await engine.dispose()
    return measures


async def _database(sessions: async_sessionmaker[AsyncSession]) -> list[Measure]:
    async def key_lookup() -> None:
        # What Resolver.key_lookup does for a key not in its memory: a session and one SELECT.
        async with sessions() as session:
            await actor_queries.by_key_id(session, f"{BASE}/actors/x#main-key")

    measures = [
        Measure(
            "micro",
            "key lookup through a database session (a key not cached)",
            "µs",
            await _per_call(key_lookup, 300),
        )
    ]
    writer = InboxWriter(sessions)
    serial = iter(range(10**9))
    raw = {"type": "Create", "object": {"content": "x" * 600}}

    def rows(count: int) -> list[dict[str, Any]]:
        return [
            {
                "uri": f"{BASE}/a/{next(serial)}",
                "type": "Create",
                "actor_uri": f"{BASE}/x",
                "object_uri": None,
                "raw": raw,
                "host": "127.0.0.1:9",
            }
            for _ in range(count)
        ]

    async def batch_now(writer: InboxWriter, count: int) -> None:
        for row in rows(count):
            writer._queue.put_nowait((row, _done_future()))  # one batch, as requests would
        await writer._commit([writer._queue.get_nowait() for _ in range(count)])

    for count in (1, 32):
        runs = await _per_call(functools.partial(batch_now, writer, count), 30)
        measures.append(
            Measure(
                "micro",
                f"inbox group commit of {count}, SQLite, per commit",
                "µs",
                runs,
                "",
                None,
                f"{count / median(runs) * 1e6:,.0f} rows/s",
            )
        )
    return measures


async def _bleach(html: str) -> list[Measure]:
    """The same allow-list through bleach, which the node used before nh3 (for comparison)."""
    import bleach

    from compagnon.federation.sanitize import ALLOWED_TAGS, LINK_PROTOCOLS

    async def clean() -> None:
        bleach.clean(
            html,
            tags=set(ALLOWED_TAGS),
            protocols=set(LINK_PROTOCOLS),
            attributes={"a": ["href", "class"], "span": ["class"]},
            strip=True,
        )

    return [
        Measure(
            "micro",
            "before: bleach.clean of the same HTML, same allow-list",
            "µs",
            await _per_call(clean, 200),
        )
    ]


def _done_future() -> Any:
    import asyncio

    return asyncio.get_running_loop().create_future()
