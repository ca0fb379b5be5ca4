"""What the open network sends the inbox that it must survive: an activity nested deeper than
we can store among valid ones, bodies past the socket's buffer, AS2 type lists and object
lists, Creates of things that are not posts, an actor document nested 300 levels deep, and a
host sending more than its share. Real nodes, real signatures, loopback only."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from compagnon.federation.signing.signatures import generate_rsa_keypair
from compagnon.storage.models import Activity, Object
from tests.conftest import NodeFactory
from tests.integration.test_inbox_security import create_note, signed_post, stored
from tests.support.nodes import Node, settle

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def nested(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"deeper": value}
    return value


def deep_body(doc: dict[str, Any], levels: int) -> bytes:
    """`doc` with a field nested `levels` deep: JSON text built by hand, since orjson (like
    our writer) cannot write past 254 levels, though it reads up to 1,024."""
    marker = b'"__deep__"'
    body = orjson.dumps({**doc, "extension": "__deep__"})
    return body.replace(marker, b'{"deeper":' * levels + b'"bottom"' + b"}" * levels)


async def post(http: httpx.AsyncClient, node: Node, body: bytes, headers: dict[str, str]) -> Any:
    return await http.post(f"{node.base}/inbox", content=body, headers=headers)


async def signed(node: Node, author: Any, doc: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    assert author.private_key_pem is not None
    return await signed_post(
        f"{node.base}/inbox", doc, author.public_key_id, author.private_key_pem
    )


async def signed_bytes(node: Node, author: Any, body: bytes) -> tuple[bytes, dict[str, str]]:
    from compagnon.federation.signing.signatures import load_private_key, sign_cavage

    headers = {"Content-Type": "application/activity+json"}
    url = f"{node.base}/inbox"
    key = load_private_key(author.private_key_pem)
    headers.update(sign_cavage("POST", url, headers, body, author.public_key_id, key))
    return body, headers


async def activity_errors(node: Node) -> dict[str, str | None]:
    async with node.sessions() as session:
        rows = await session.execute(select(Activity.uri, Activity.error))
    return {uri: error for uri, error in rows}


async def remote_objects(node: Node) -> set[str]:
    async with node.sessions() as session:
        rows = await session.execute(select(Object.uri).where(Object.is_local.is_(False)))
    return set(rows.scalars())


# --- item 2: one deep activity among valid ones -----------------------------------------


async def test_a_deep_activity_in_a_concurrent_burst_gets_400_and_every_valid_one_is_stored(
    make_node: NodeFactory, backend: str
) -> None:
    target = await make_node("target", backend=backend)
    sender = await make_node("sender")
    await target.create_user("tina")
    authors = [await sender.create_user(name) for name in ("bob", "bea", "ben")]
    valid = [create_note(authors[n % 3].uri, f"valid {n}") for n in range(45)]
    requests = [await signed(target, authors[n % 3], doc) for n, doc in enumerate(valid)]
    deep = deep_body(create_note(authors[0].uri, "deep"), 300)
    requests.insert(20, await signed_bytes(target, authors[0], deep))

    async with httpx.AsyncClient(timeout=60) as http:
        # Warm the key cache so the burst reaches the writer together, as a busy peer's does.
        first = valid.pop(0)
        assert (await post(http, target, *requests.pop(0))).status_code == 202
        answers = await asyncio.gather(*(post(http, target, *r) for r in requests))

    statuses = [a.status_code for a in answers]
    assert statuses[19] == 400
    assert "nested deeper than 64 levels" in answers[19].json()["error"]
    assert statuses[:19] + statuses[20:] == [202] * 44
    assert await stored(target) == 45
    errors = await activity_errors(target)
    assert {first["id"], *(doc["id"] for doc in valid)} == set(errors)


async def test_depth_under_what_orjson_writes_is_still_refused_past_the_setting(
    make_node: NodeFactory,
) -> None:
    target = await make_node("target", max_json_depth=16)
    sender = await make_node("sender")
    bob = await sender.create_user("bob")
    async with httpx.AsyncClient() as http:
        deep = await post(
            http, target, *await signed_bytes(target, bob, deep_body(create_note(bob.uri), 20))
        )
        fine = await post(
            http, target, *await signed_bytes(target, bob, deep_body(create_note(bob.uri), 10))
        )
    assert (deep.status_code, fine.status_code) == (400, 202)
    assert "deeper than 16" in deep.json()["error"]
    assert await stored(target) == 1


async def test_a_nul_character_is_refused_on_every_backend(
    make_node: NodeFactory, backend: str
) -> None:
    """PostgreSQL cannot store \\u0000; SQLite can: refused on both, so a peer gets one answer."""
    target = await make_node("target", backend=backend)
    sender = await make_node("sender")
    bob = await sender.create_user("bob")
    async with httpx.AsyncClient() as http:
        answer = await post(
            http, target, *await signed(target, bob, create_note(bob.uri, "a\x00b"))
        )
    assert answer.status_code == 400 and "NUL" in answer.json()["error"]
    assert await stored(target) == 0


# --- item 3: bodies past the socket's buffer ---------------------------------------------


def padded_note(actor_uri: str, size: int) -> dict[str, Any]:
    """A Create whose JSON is exactly `size` bytes."""
    doc = create_note(actor_uri, "")
    doc["object"]["content"] = "x" * (size - len(orjson.dumps(doc)))
    assert len(orjson.dumps(doc)) == size
    return doc


async def test_a_300_kb_create_is_accepted_and_a_body_over_the_cap_gets_413(
    make_node: NodeFactory,
) -> None:
    target, sender = await make_node("target"), await make_node("sender")
    bob = await sender.create_user("bob")
    big = padded_note(bob.uri, 300_000)
    over = padded_note(bob.uri, 1_000_001)
    async with httpx.AsyncClient(timeout=30) as http:
        accepted = await post(http, target, *await signed(target, bob, big))
        refused = await post(http, target, *await signed(target, bob, over))
        at_cap = await post(
            http, target, *await signed(target, bob, padded_note(bob.uri, 1_000_000))
        )
    assert accepted.status_code == 202, accepted.text
    assert refused.status_code == 413
    assert at_cap.status_code == 202, at_cap.text
    assert await stored(target) == 2
    await settle(target)
    obj = await target.object(big["object"]["id"])
    assert obj is not None and len(obj.content) > 290_000


# --- item 9: type lists, object lists, things that are not posts --------------------------


async def test_type_lists_and_object_lists_are_accepted(
    make_node: NodeFactory, backend: str
) -> None:
    target = await make_node("target", backend=backend)
    sender = await make_node("sender")
    await target.create_user("tina")
    bob = await sender.create_user("bob")
    listed = create_note(bob.uri, "a Create typed as a list")
    listed["type"] = ["Create"]
    two = create_note(bob.uri, "first of two")
    second = {**two["object"], "id": f"{sender.base}/objects/{uuid.uuid4()}", "content": "second"}
    two["object"] = [two["object"], second]
    half = create_note(bob.uri, "good half")
    foreign = {**half["object"], "id": "https://elsewhere.example/notes/1"}
    half["object"] = [half["object"], foreign]
    async with httpx.AsyncClient() as http:
        answers = [
            await post(http, target, *await signed(target, bob, d)) for d in (listed, two, half)
        ]
    assert [a.status_code for a in answers] == [202, 202, 202]
    await settle(target)
    assert await remote_objects(target) == {
        listed["object"]["id"],
        two["object"][0]["id"],
        second["id"],
        half["object"][0]["id"],
    }
    errors = await activity_errors(target)
    assert errors[listed["id"]] is None and errors[two["id"]] is None
    assert errors[half["id"]] == (
        "ignored: 1 of 2 objects not stored: the object is not on the sender's host"
    )


@pytest.mark.parametrize("kind", ["Tombstone", "Relationship", "Profile", "Place", "Person"])
async def test_a_create_of_something_that_is_not_a_post_is_ignored_with_the_reason(
    make_node: NodeFactory, kind: str
) -> None:
    target, sender = await make_node("target"), await make_node("sender")
    await target.create_user("tina")
    bob = await sender.create_user("bob")
    doc = create_note(bob.uri, "not a post")
    doc["object"]["type"] = kind
    as_list = create_note(bob.uri, "not a post either")
    as_list["object"]["type"] = [kind, "Link"]
    post_in_list = create_note(bob.uri, "a post typed with a list")
    post_in_list["object"]["type"] = ["Article", "schema:Thing"]
    async with httpx.AsyncClient() as http:
        for d in (doc, as_list, post_in_list):
            assert (await post(http, target, *await signed(target, bob, d))).status_code == 202
    await settle(target)
    assert await remote_objects(target) == {post_in_list["object"]["id"]}
    errors = await activity_errors(target)
    assert errors[doc["id"]] == f"ignored: a Create of a {kind} is not a post: not stored"
    assert errors[as_list["id"]] == f"ignored: a Create of a {kind}/Link is not a post: not stored"


# --- item 11: an actor document nested 300 levels deep -----------------------------------


@pytest.fixture
async def deep_actor_server(aiohttp_server: Any) -> AsyncIterator[tuple[TestServer, str]]:
    """A bare peer whose one actor has a field nested 300 levels deep and a real key."""
    private_pem, public_pem = generate_rsa_keypair()

    async def actor(request: web.Request) -> web.Response:
        uri = str(request.url)
        doc = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": uri,
            "type": "Person",
            "preferredUsername": "deep",
            "inbox": f"{uri}/inbox",
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public_pem},
        }
        return web.Response(body=deep_body(doc, 300), content_type="application/activity+json")

    app = web.Application()
    app.router.add_get("/users/deep", actor)
    yield await aiohttp_server(app), private_pem


async def test_an_actor_nested_300_levels_deep_is_refused_at_fetch_and_others_go_on(
    make_node: NodeFactory, deep_actor_server: tuple[TestServer, str]
) -> None:
    from compagnon.federation.signing.signatures import load_private_key, sign_cavage

    server, private_pem = deep_actor_server
    target, sender = await make_node("target"), await make_node("sender")
    bob = await sender.create_user("bob")
    deep_uri = str(server.make_url("/users/deep"))
    from_deep = create_note(deep_uri, "from a deep actor")
    body = orjson.dumps(from_deep)
    headers = {"Content-Type": "application/activity+json"}
    headers.update(
        sign_cavage(
            "POST", f"{target.base}/inbox", headers, body, f"{deep_uri}#main-key",
            load_private_key(private_pem),
        )
    )  # fmt: skip
    ordinary = create_note(bob.uri, "ordinary")
    async with httpx.AsyncClient(timeout=30) as http:
        refused, fine = await asyncio.gather(
            post(http, target, body, headers),
            post(http, target, *await signed(target, bob, ordinary)),
        )
        again = await post(http, target, body, headers)
    assert (refused.status_code, fine.status_code, again.status_code) == (401, 202, 401)
    assert "unknown key" in refused.json()["error"]
    assert await stored(target) == 1
    resolver = await target.resolver()
    assert await resolver.actor(deep_uri) is None  # refused at fetch, nothing cached
    await settle(target)  # the worker's pass over the other actor's post goes through
    assert await remote_objects(target) == {ordinary["object"]["id"]}


# --- inbound rate limit per remote host --------------------------------------------------


async def test_a_host_over_its_rate_gets_429_with_retry_after_and_others_go_on(
    make_node: NodeFactory,
) -> None:
    target = await make_node(
        "target", inbox_rate_per_host=3, inbox_rate_burst=3, inbox_rate_window=60.0
    )
    busy, other = await make_node("busy"), await make_node("other")
    bob = await busy.create_user("bob")
    olga = await other.create_user("olga")
    forger_pem, _ = generate_rsa_keypair()
    forged = [
        await signed_post(
            f"{target.base}/inbox", create_note(bob.uri, "forged"), bob.public_key_id, forger_pem
        )
        for _ in range(3)
    ]
    fake_self_delete = {
        "id": f"{bob.uri}#delete",
        "type": "Delete",
        "actor": bob.uri,
        "object": bob.uri,
    }
    forged_deletes = [
        await signed_post(f"{target.base}/inbox", fake_self_delete, bob.public_key_id, forger_pem)
        for _ in range(3)
    ]
    docs = [create_note(bob.uri, f"post {n}") for n in range(5)]
    async with httpx.AsyncClient() as http:
        # Forged traffic naming the host does not use up the host's allowance.
        assert [(await post(http, target, *f)).status_code for f in forged] == [401] * 3
        # (an unverifiable self-delete is answered 202 so the peer stops, and stores nothing)
        assert [(await post(http, target, *f)).status_code for f in forged_deletes] == [202] * 3
        answers = [await post(http, target, *await signed(target, bob, d)) for d in docs]
        from_other = await post(http, target, *await signed(target, olga, create_note(olga.uri)))
    assert [a.status_code for a in answers] == [202, 202, 202, 429, 429]
    for refused in answers[3:]:
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "too many activities" in refused.json()["error"]
    assert from_other.status_code == 202
    kept = set(await activity_errors(target))
    assert {d["id"] for d in docs[:3]} <= kept
    assert not kept & {d["id"] for d in docs[3:]}  # nothing of the excess stored
    assert await stored(target) == 4


async def test_an_actor_url_python_cannot_split_gets_400_not_500(make_node: NodeFactory) -> None:
    target = await make_node("target")
    body = b'{"id": "http://x.example/1", "type": "Like", "actor": "http://[::1", "object": "x"}'
    async with httpx.AsyncClient() as http:
        answer = await post(http, target, body, {"Content-Type": "application/activity+json"})
    assert answer.status_code == 400 and "not an http(s) URL" in answer.json()["error"]
    assert await stored(target) == 0
