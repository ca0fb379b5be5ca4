"""Load held, the short profile of bench/scenarios/soak.py: signed inbox POSTs from remote
actors on four hosts and page views arrive together while the worker applies what was
accepted. No answer is 500 or more, every 202 is an activity stored and applied (a home
timeline entry each), and the process's memory does not keep growing from round to round.
Counted, not timed: the bench measures latency (bench/README.md, soak)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from compagnon.federation.signing.signatures import (
    generate_rsa_keypair,
    load_private_key,
    sign_cavage,
)
from compagnon.storage.models import Activity, Object, TimelineEntry
from tests.conftest import NodeFactory
from tests.support.nodes import Node, free_port

AP = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")
ACTORS_PER_HOST = 2
ROUNDS = 6
POSTS_PER_ROUND, POSTS_IN_FLIGHT = 400, 16
VIEWS_PER_ROUND, VIEWS_IN_FLIGHT = 80, 4
GROWTH_ALLOWED_KIB = 64 * 1024  # from the second round to the last (a leak would be far more)


@dataclass(frozen=True)
class Remote:
    uri: str
    pem: str


@contextlib.asynccontextmanager
async def remote_actors() -> AsyncIterator[list[Remote]]:
    """Actors on four loopback hosts, each host serving its actors' documents and keys."""
    port = free_port()
    documents: dict[str, bytes] = {}
    remotes: list[Remote] = []
    for host in HOSTS:
        for n in range(ACTORS_PER_HOST):
            uri = f"http://{host}:{port}/users/load{n}"
            private, public = generate_rsa_keypair()
            documents[uri] = orjson.dumps(
                {
                    "@context": ["https://www.w3.org/ns/activitystreams"],
                    "id": uri,
                    "type": "Person",
                    "preferredUsername": f"load{n}",
                    "inbox": f"{uri}/inbox",
                    "outbox": f"{uri}/outbox",
                    "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public},
                }
            )
            remotes.append(Remote(uri, private))

    async def actor(request: web.Request) -> web.Response:
        body = documents.get(f"http://{request.host}{request.path}")
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(body=body, content_type=AP)

    app = web.Application()
    app.router.add_get("/users/{name}", actor)
    servers = [TestServer(app, host=host, port=port) for host in HOSTS]
    async with contextlib.AsyncExitStack() as stack:
        for server in servers:
            await server.start_server()
            stack.push_async_callback(server.close)
        yield remotes


def signed(remote: Remote, inbox: str, addressee: str) -> tuple[bytes, dict[str, str]]:
    host = remote.uri.split("/users/")[0]
    note = f"{host}/notes/{uuid.uuid4()}"
    body = orjson.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{note}/activity",
            "type": "Create",
            "actor": remote.uri,
            "to": [PUBLIC],
            "cc": [addressee],
            "object": {
                "id": note,
                "type": "Note",
                "attributedTo": remote.uri,
                "content": "<p>Welding safety checklist, EQF level 3</p>",
                "to": [PUBLIC],
                "cc": [addressee],
            },
        }
    )
    headers = {"Content-Type": AP}
    key = load_private_key(remote.pem)
    headers.update(sign_cavage("POST", inbox, headers, body, f"{remote.uri}#main-key", key))
    return body, headers


async def send_all(
    http: aiohttp.ClientSession, requests: list[tuple[str, str, Any]], in_flight: int
) -> Counter[str]:
    """Every request (method, url, POST body and headers or GET headers), `in_flight` at once:
    the status of each, or the name of the error when there was no answer."""
    statuses: Counter[str] = Counter()
    queue = iter(requests)

    async def lane() -> None:
        for method, url, extra in queue:
            try:
                if method == "POST":
                    body, headers = extra
                    answer = http.post(url, data=body, headers=headers)
                else:
                    answer = http.get(url, headers=extra)
                async with answer as response:
                    await response.read()
                    statuses[str(response.status)] += 1
            except aiohttp.ClientError as exc:
                statuses[type(exc).__name__] += 1

    await asyncio.gather(*(lane() for _ in range(in_flight)))
    return statuses


async def count(node: Node, model: Any, *where: Any) -> int:
    async with node.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def work_until(node: Node, done: asyncio.Future[Any]) -> None:
    """The worker's passes, one after the other, while the load lasts (as `serve` runs it,
    without the wait when idle)."""
    while not done.done():
        await node.run_once()


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture
async def remotes() -> AsyncIterator[list[Remote]]:
    async with remote_actors() as actors:
        yield actors


async def test_signed_posts_and_page_views_together_get_no_5xx_and_lose_nothing(
    make_node: NodeFactory, backend: str, remotes: list[Remote]
) -> None:
    b = await make_node("b", backend=backend)
    alice = await b.create_user("alice")
    post = await b.post("alice", "Workshop note: welding safety")
    inbox = f"{b.base}/inbox"
    html, activity_json = {"Accept": "text/html"}, {"Accept": AP}
    views = [
        ("GET", f"{b.base}/@alice", html),
        ("GET", post.uri, html),
        ("GET", f"{b.base}/users/alice/outbox", activity_json),
        ("GET", f"{b.base}/users/alice/outbox?page=true", activity_json),
        ("GET", f"{b.base}/search?q=weld", html),
        ("GET", f"{b.base}/", html),
    ]
    statuses: Counter[str] = Counter()
    samples: list[int] = [rss_kib()]
    async with aiohttp.ClientSession() as http:
        for _ in range(ROUNDS):
            posts = [
                ("POST", inbox, signed(remotes[i % len(remotes)], inbox, alice.uri))
                for i in range(POSTS_PER_ROUND)
            ]
            pages = [views[i % len(views)] for i in range(VIEWS_PER_ROUND)]
            sending = asyncio.gather(
                send_all(http, posts, POSTS_IN_FLIGHT), send_all(http, pages, VIEWS_IN_FLIGHT)
            )
            await asyncio.gather(sending, work_until(b, sending))
            for counted in sending.result():
                statuses.update(counted)
            samples.append(rss_kib())
    for _ in range(100):  # the rest of the backlog: 100 activities a pass
        if (await b.run_once()).idle:
            break

    assert {s for s in statuses if not s.isdigit() or int(s) >= 500} == set(), statuses
    accepted = statuses["202"]
    assert accepted + statuses["429"] == ROUNDS * POSTS_PER_ROUND
    assert statuses["200"] == ROUNDS * VIEWS_PER_ROUND
    assert await count(b, Activity, Activity.is_local.is_(False)) == accepted
    assert await count(b, Activity, Activity.is_local.is_(False), Activity.state != "done") == 0
    async with b.sessions() as session:
        entries = await session.scalar(
            select(func.count())
            .select_from(TimelineEntry)
            .join(Object, Object.id == TimelineEntry.object_id)
            .where(Object.is_local.is_(False))
        )
    assert entries == accepted  # alice's home timeline: one entry for each note received
    assert samples[-1] - samples[2] < GROWTH_ALLOWED_KIB, f"RSS every round (KiB): {samples}"


async def test_a_burst_from_actors_never_seen_before_is_accepted_whole(
    make_node: NodeFactory, backend: str, remotes: list[Remote]
) -> None:
    # Each actor's first posts arrive together: each request fetches the unknown actor and
    # stores it; the second store of the same actor must not fail the request (it was a 503).
    b = await make_node("b", backend=backend)
    alice = await b.create_user("alice")
    inbox = f"{b.base}/inbox"
    burst = [("POST", inbox, signed(remote, inbox, alice.uri)) for remote in remotes * 4]
    async with aiohttp.ClientSession() as http:
        statuses = await send_all(http, burst, len(burst))
    assert statuses == Counter({"202": len(burst)})
    assert await count(b, Activity, Activity.is_local.is_(False)) == len(burst)
