"""Per-operation costs of the inbound and outbound paths, measured in-process with the node's
own functions: the budget that the load figures are made of (DESIGN.md §10 lists the same
operations as measured on an idle machine of this size).

Also two "what if" rows for the changes proposed in README.md, built from the same parts:
an in-memory key cache instead of a database session per signature check, and the inbox
batch written with executemany on a Core connection instead of a multi-VALUES ORM insert.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import orjson
from sqlalchemy import Table
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench import node
from bench.fakeactors import create_note, make_actors, sign_post
from bench.report import Measure
from bench.scenarios.context import Bench
from bench.stats import median
from compagnon.federation.inbox.writer import InboxWriter
from compagnon.federation.sanitize import sanitize_html
from compagnon.federation.signatures import (
    PublicKeyInfo,
    load_private_key,
    load_public_key,
    sign_cavage,
    verify_request,
)
from compagnon.storage.db import create_engine, create_sessionmaker
from compagnon.storage.models import Activity, utcnow
from compagnon.storage.queries import actors as actor_queries

REPS = 3
BASE = "http://127.0.0.1:9"  # never contacted: only used in URLs and signatures


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
        sign_cavage("POST", inbox, {"Content-Type": "application/activity+json"}, post.body,
                    actor.key_id, private)

    async def verify() -> None:
        await verify_request("POST", inbox, post.headers, post.body, in_memory)

    async def parse() -> None:
        orjson.loads(post.body)

    async def sanitize() -> None:
        sanitize_html(activity["object"]["content"])

    measures = [
        Measure("micro", "RSA-2048 draft-cavage sign of a POST", "µs", await _per_call(sign, 200)),
        Measure("micro", "draft-cavage verify, key in memory", "µs", await _per_call(verify, 500)),
        Measure("micro", "orjson parse of a 1.5 KB Create(Note)", "µs",
                await _per_call(parse, 2000)),
        Measure("micro", "sanitize_html of the note's 600 B of HTML (nh3)", "µs",
                await _per_call(sanitize, 2000)),
        *await _bleach(activity["object"]["content"]),
    ]
    n = node.CompagnonNode(node.NodeSpec("micro", bench.workdir))
    await n.create_user("alice")  # creates the database with the node's migrations
    engine = create_engine(n.settings.resolved_database_url)
    try:
        measures += await _database(engine, create_sessionmaker(engine))
    finally:
        await engine.dispose()
    return measures


async def _database(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
                    ) -> list[Measure]:
    async def key_lookup() -> None:
        # What Resolver.key_lookup does for a known key: a session and one SELECT.
        async with sessions() as session:
            await actor_queries.by_key_id(session, f"{BASE}/actors/x#main-key")

    measures = [Measure("micro", "key lookup through a database session (per signed POST)",
                        "µs", await _per_call(key_lookup, 300))]
    writer = InboxWriter(sessions)
    serial = iter(range(10**9))
    raw = {"type": "Create", "object": {"content": "x" * 600}}

    def rows(count: int) -> list[dict[str, Any]]:
        return [{"uri": f"{BASE}/a/{next(serial)}", "type": "Create", "actor_uri": f"{BASE}/x",
                 "object_uri": None, "raw": raw, "host": "127.0.0.1:9"} for _ in range(count)]

    async def batch_now(count: int) -> None:
        for row in rows(count):
            writer._queue.put_nowait((row, _done_future()))  # one batch, as requests would
        await writer._commit([writer._queue.get_nowait() for _ in range(count)])

    async def batch_executemany(count: int) -> None:
        now = utcnow()
        values = [{"uri": r["uri"], "type": r["type"], "actor_uri": r["actor_uri"],
                   "object_uri": None, "raw": r["raw"], "is_local": False, "state": "pending",
                   "attempts": 0, "received_at": now} for r in rows(count)]
        # Same dedupe as today (ON CONFLICT DO NOTHING); no peers.revive round trip (the
        # proposal keeps the few unreachable hosts in memory and only updates on a match).
        statement = sqlite_insert(cast(Table, Activity.__table__)).on_conflict_do_nothing(
            index_elements=["uri"])
        async with engine.begin() as connection:
            await connection.execute(statement, values)

    for count in (1, 32):
        now_runs = await _per_call(functools.partial(batch_now, count), 30)
        many_runs = await _per_call(functools.partial(batch_executemany, count), 30)
        measures += [
            Measure("micro", f"inbox group commit of {count} (writer.py today), per commit",
                    "µs", now_runs, "", None, f"{count / median(now_runs) * 1e6:,.0f} rows/s"),
            Measure("micro", f"what if: executemany on a Core connection, {count} per commit",
                    "µs", many_runs, "", None,
                    f"{count / median(many_runs) * 1e6:,.0f} rows/s"),
        ]
    return measures


async def _bleach(html: str) -> list[Measure]:
    """The same allow-list through bleach, which the node used before nh3 (for comparison)."""
    import bleach

    from compagnon.federation.sanitize import ALLOWED_TAGS, LINK_PROTOCOLS

    async def clean() -> None:
        bleach.clean(html, tags=set(ALLOWED_TAGS), protocols=set(LINK_PROTOCOLS),
                     attributes={"a": ["href", "class"], "span": ["class"]}, strip=True)

    return [Measure("micro", "before: bleach.clean of the same HTML, same allow-list", "µs",
                    await _per_call(clean, 200))]


def _done_future() -> Any:
    import asyncio

    return asyncio.get_running_loop().create_future()
