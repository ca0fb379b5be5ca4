"""The peers themselves work: each test fails if a peer does not install, start or federate.

Fedify's in-process queue delivers asynchronously, so the Fedify checks re-read a control
route a small, explicit number of times; between reads the *peer* holds the request until its
state changes (``wait_for_change``), so nothing here sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from compagnon.federation.signing.signatures import sign_cavage
from tests.interop.peers._process import free_port
from tests.interop.peers.bovine_peer import BovinePeer
from tests.interop.peers.fedify_peer import FedifyPeer
from tests.interop.peers.pasture_peer import (
    IDEAL_POST_INBOX,
    VerifyActor,
    post_inbox_verdicts,
    run_inputs_corpus,
)

pytestmark = pytest.mark.interop

T = TypeVar("T")
AP_JSON = "application/activity+json"

# How often a Fedify control route is re-read before giving up: one read per state change
# of the peer, each wait at most WAIT seconds.
TRIES = 8
WAIT = 2.0


async def until(peer: FedifyPeer, read: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    version = await peer.version()
    for _ in range(TRIES):
        value = await read()
        if done(value):
            return value
        version = await peer.wait_for_change(version, wait=WAIT)
    raise AssertionError(f"not reached after {TRIES} reads: {value!r}")


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in entries]


def creates_with(content: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda received: any(e["type"] == "Create" and e["content"] == content for e in received)


async def test_two_fedify_peers_follow_and_deliver(
    start_fedify_peer: Callable[..., Awaitable[FedifyPeer]],
) -> None:
    a = await start_fedify_peer()
    b = await start_fedify_peer()
    alice, bob = a.actor_url("alice"), b.actor_url("bob")

    follow = await a.follow("alice", bob)
    assert follow["actor"] == bob
    followers = await until(b, lambda: b.followers("bob"), lambda f: alice in ids(f))
    assert followers[0]["inbox"] == a.inbox_url("alice")
    following = await until(a, lambda: a.following("alice"), lambda f: f[0]["state"] == "accepted")
    assert following == [{"id": bob, "state": "accepted", "followId": follow["followId"]}]

    # A post goes to its author's followers: bob follows alice back, then alice posts.
    await b.follow("bob", alice)
    await until(a, lambda: a.followers("alice"), lambda f: bob in ids(f))
    content = "<p>Guten Tag aus der Werkstatt A</p>"
    sent = await a.post("alice", content)
    received = await until(b, lambda: b.received("bob"), creates_with(content))
    create = next(e for e in received if e["type"] == "Create")
    assert create["id"] == sent["createId"]
    assert create["actor"] == alice
    assert create["objectType"] == "Note"
    assert create["objectId"] == sent["noteId"]
    assert create["raw"]["object"]["content"] == content  # the body exactly as POSTed
    assert "proof" in create["raw"] and "signature" in create["raw"]  # FEP-8b32, LD signature


async def test_fedify_lookup_and_nodeinfo(fedify_peer: FedifyPeer) -> None:
    found = await fedify_peer.lookup(fedify_peer.actor_url("bob"), user="alice")
    assert found["ok"] and found["type"] == "Person" and found["actor"]
    assert found["id"] == fedify_peer.actor_url("bob") and found["idMatches"]
    missing = await fedify_peer.lookup(f"{fedify_peer.base_url}/users/nobody")
    assert not missing["ok"] and "404" in missing["error"]
    nodeinfo = await fedify_peer.nodeinfo(f"{fedify_peer.base_url}/.well-known/nodeinfo")
    assert nodeinfo["ok"], nodeinfo
    assert nodeinfo["nodeinfo"]["protocols"] == ["activitypub"]


@asynccontextmanager
async def key_server(key: rsa.RSAPrivateKey) -> AsyncIterator[str]:
    """A minimal actor serving ``key``'s public half on loopback; yields the actor id."""
    port = free_port()
    actor_id = f"http://127.0.0.1:{port}/actor"
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    document = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor_id,
        "type": "Application",
        "preferredUsername": "keyholder",
        "inbox": f"{actor_id}/inbox",
        "publicKey": {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": pem},
    }

    async def actor(request: web.Request) -> web.Response:
        return web.json_response(document, content_type=AP_JSON)

    app = web.Application()
    app.router.add_get("/actor", actor)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield actor_id
    finally:
        await runner.cleanup()


def signed_get_headers(url: str, key_id: str, key: rsa.RSAPrivateKey) -> dict[str, str]:
    """Accept + our own draft-cavage signature (Host, Date, Signature) for a GET of ``url``."""
    headers = {"Accept": AP_JSON}
    return {**headers, **sign_cavage("GET", url, headers, None, key_id, key)}


async def test_bovine_actor_needs_a_signed_get(bovine_peer: BovinePeer) -> None:
    async with httpx.AsyncClient(timeout=30.0) as client:
        unsigned = await client.get(bovine_peer.actor_id, headers={"Accept": AP_JSON})
        assert unsigned.status_code in (401, 403)

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # throwaway
        async with key_server(key) as signer:
            url = bovine_peer.actor_id
            key_id = f"{signer}#main-key"
            signed = await client.get(url, headers=signed_get_headers(url, key_id, key))
            assert signed.status_code == 200, signed.text
            actor = signed.json()
            assert actor["id"] == bovine_peer.actor_id
            assert actor["type"] == "Person"
            assert actor["publicKey"]["owner"] == bovine_peer.actor_id

            other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            forged = await client.get(url, headers=signed_get_headers(url, key_id, other))
            assert forged.status_code in (401, 403)


async def test_bovine_and_fedify_federate(bovine_peer: BovinePeer, fedify_peer: FedifyPeer) -> None:
    carol = fedify_peer.actor_url("carol")
    await fedify_peer.follow("carol", bovine_peer.actor_id)  # Fedify signs its GETs: allowed
    accepted = await bovine_peer.accept_follows(wait=10.0)  # bovine never accepts by itself
    assert [a["status"] for a in accepted["accepted"]] == [201]
    await until(
        fedify_peer,
        lambda: fedify_peer.following("carol"),
        lambda f: bool(f) and f[0]["state"] == "accepted",
    )

    content = "<p>Moo from bovine</p>"
    assert (await bovine_peer.post(content))["status"] == 201
    received = await until(
        fedify_peer, lambda: fedify_peer.received("carol"), creates_with(content)
    )
    create = next(e for e in received if e["type"] == "Create")
    assert create["actor"] == bovine_peer.actor_id
    assert create["raw"]["to"] == "as:Public"  # compact form: see README

    await bovine_peer.follow(fedify_peer.actor_url("bob"))
    await until(
        fedify_peer,
        lambda: fedify_peer.followers("bob"),
        lambda f: bovine_peer.actor_id in ids(f),
    )
    # bovine's view of its inbox: its own "about:bovine" context, actor and object embedded.
    inbox = await bovine_peer.inbox()
    follows = [i for i in inbox if isinstance(i, dict) and i["type"] == "Follow"]
    assert [f["actor"]["id"] for f in follows] == [carol]


async def test_pasture_verify_actor_answers(
    verify_actor: VerifyActor, fedify_peer: FedifyPeer
) -> None:
    form = await verify_actor.form()
    assert 'name="actor_uri"' in form
    # Fedify's inbox is a reference: unsigned Likes refused, signed ones accepted.
    result = await verify_actor.verify(fedify_peer.actor_url("alice"))
    assert post_inbox_verdicts(result) == IDEAL_POST_INBOX, verify_actor.messages
    assert result["webfinger"] is True
    assert all(result[name]["get_actor"] for name in IDEAL_POST_INBOX)


async def test_pasture_inputs_reach_fedify(
    pasture_installed: Path, fedify_peer: FedifyPeer, tmp_path: Path
) -> None:
    results = await run_inputs_corpus(
        fedify_peer.actor_url("bob"),
        port=free_port(),
        inputs=["public_addressing"],
        log_dir=tmp_path,
    )
    assert [r["status"] for r in results] == [202] * len(results) and len(results) == 3
    received = await until(
        fedify_peer,
        lambda: fedify_peer.received("bob"),
        lambda r: len([e for e in r if e["type"] == "Create"]) == 3,
    )
    assert {e["id"] for e in received} == {(r["activity"] or {}).get("id") for r in results}
