"""Run bovine-herd on 127.0.0.1:PORT with SQLite in DATA_DIR, one user, and control routes.

Runs with the interpreter of tests/interop/peers/bovine/.venv (bovine pins pyld < 3):

    .venv/bin/python herd.py PORT DATA_DIR [HANDLE]

DATA_DIR becomes the working directory: bovine.sqlite3 (the herd's store) and
bovine_jsonld_cache.sqlite (bovine's JSON-LD context cache, seeded by bovine_peer.py before
the start) live there. The user HANDLE (default alice) is registered the way
`python -m bovine_store --db_url sqlite://bovine.sqlite3 register --domain http://127.0.0.1:PORT
--handle alice` does, and given an Ed25519 did:key (`... key --new NAME`) that the control
routes use to drive the actor through its own outbox with Moo-Auth-1, as bovine's client does.
Prints one JSON line `{"listening": ..., "actor_id": ..., ...}` once it serves.

Control routes (plain JSON, outside bovine's paths):
    GET  /_control/health              actor id, handle, bovine name
    POST /_control/follow  {target}    Follow(target) through the outbox
    POST /_control/post    {content, to: "public"|"followers"}   Create(Note) through the outbox
    POST /_control/accept  {wait_ms?}  Accept every Follow in the inbox not yet accepted
    GET  /_control/inbox               the inbox's items, resolved through the proxyUrl
    GET  /_control/outbox              the outbox's items, likewise
    GET  /_control/followers           the followers collection's items
    GET  /_control/following           the following collection's items
    POST /_control/fetch   {url}       GET url through the actor's proxyUrl (signed by bovine)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from typing import Any

PORT = int(sys.argv[1])
DATA_DIR = sys.argv[2]
HANDLE = sys.argv[3] if len(sys.argv) > 3 else "alice"
DOMAIN = f"http://127.0.0.1:{PORT}"
DB_URL = "sqlite://bovine.sqlite3"

os.chdir(DATA_DIR)  # before importing bovine: its JSON-LD cache opens ./bovine_jsonld_cache.sqlite

import aiohttp  # noqa: E402
from bovine import BovineClient  # noqa: E402
from bovine.crypto import generate_ed25519_private_key, private_key_to_did_key  # noqa: E402
from bovine_herd import BovineHerd  # noqa: E402
from bovine_store import bovine_admin_store  # noqa: E402
from bovine_store.utils.cli import create_tables, register_new_user  # noqa: E402
from hypercorn.asyncio import serve  # noqa: E402
from hypercorn.config import Config  # noqa: E402
from quart import Blueprint, Quart, request  # noqa: E402


async def register() -> tuple[str, str, str]:
    """Tables, user, did:key: what `python -m bovine_store create|register|key --new` do."""
    await create_tables(DB_URL)
    bovine_name = await register_new_user(DB_URL, DOMAIN, HANDLE)
    secret = generate_ed25519_private_key()
    did_key = private_key_to_did_key(secret)
    async with bovine_admin_store(db_url=DB_URL) as store:
        await store.add_identity_string_to_actor(
            bovine_name, did_key.removeprefix("did:key:"), did_key
        )
        actor = await store.actor_for_name(bovine_name)
        actor_id = actor.actor_object.id
        if actor.session is not None:  # actor_for_name opens an aiohttp session
            await actor.session.close()
    return bovine_name, actor_id, secret


BOVINE_NAME, ACTOR_ID, SECRET = asyncio.run(register())

app = Quart(__name__)
BovineHerd(app, db_url=DB_URL)
control = Blueprint("control", __name__)
_client: BovineClient | None = None


async def client() -> BovineClient:
    global _client
    if _client is None:
        _client = BovineClient(domain=DOMAIN, secret=SECRET)
        await _client.init(session=aiohttp.ClientSession())
    return _client


async def items(collection_id: str, resolve: bool = False) -> list[Any]:
    """The collection's items; with resolve, each id fetched through the proxyUrl (stays an
    id string if that fails)."""
    c = await client()
    found = [item async for item in c.collection_helper(collection_id, resolve=False)]
    if not resolve:
        return found
    resolved = []
    for item in found:
        if isinstance(item, str):
            with contextlib.suppress(aiohttp.ClientResponseError):
                item = await c.proxy(item)
        resolved.append(item)
    return resolved


@control.get("/health")
async def health() -> dict[str, Any]:
    return {"ok": True, "actor_id": ACTOR_ID, "handle": HANDLE, "bovine_name": BOVINE_NAME}


@control.post("/follow")
async def follow() -> dict[str, Any]:
    target = (await request.get_json(force=True))["target"]
    c = await client()
    activity = c.activity_factory.follow(target).build()
    response = await c.send_to_outbox(activity)
    return {"status": response.status, "location": response.headers.get("location")}


@control.post("/post")
async def post() -> dict[str, Any]:
    body = await request.get_json(force=True)
    c = await client()
    note = c.object_factory.note(content=body["content"])
    note = note.as_followers() if body.get("to") == "followers" else note.as_public()
    activity = c.activity_factory.create(note.build()).build()
    response = await c.send_to_outbox(activity)
    return {"status": response.status, "location": response.headers.get("location")}


def object_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


async def pending_follows() -> list[dict[str, Any]]:
    """Follows in the inbox that no Accept in the outbox answers yet."""
    c = await client()
    accepted = {
        object_id(o.get("object"))
        for o in await items(c.information["outbox"], resolve=True)
        if isinstance(o, dict) and o.get("type") == "Accept"
    }
    return [
        a for a in await items(c.information["inbox"], resolve=True)
        if isinstance(a, dict) and a.get("type") == "Follow" and a.get("id") not in accepted
    ]


@control.post("/accept")
async def accept() -> dict[str, Any]:
    """Accept the pending Follows; with wait_ms, first wait (polling the store, bounded) until
    there is at least one: bovine processes its inbox in a background task."""
    wait_ms = int((await request.get_json(force=True) or {}).get("wait_ms", 0))
    c = await client()
    pending = await pending_follows()
    for _ in range(wait_ms // 50):
        if pending:
            break
        await asyncio.sleep(0.05)
        pending = await pending_follows()
    sent = []
    for follow in pending:
        response = await c.send_to_outbox(c.activity_factory.accept(follow).build())
        sent.append({"follow": follow.get("id"), "status": response.status})
    return {"accepted": sent}


def collection_route(name: str, resolve: bool):  # type: ignore[no-untyped-def]
    async def route() -> Any:
        c = await client()
        found = await items(c.information[name], resolve=resolve)
        return json.dumps(found), 200, {"content-type": "application/json"}

    route.__name__ = f"list_{name}"
    return route


for _name, _resolve in (("inbox", True), ("outbox", True), ("followers", False),
                        ("following", False)):
    control.get(f"/{_name}")(collection_route(_name, _resolve))


@control.post("/fetch")
async def fetch() -> Any:
    c = await client()
    try:
        return {"ok": True, "document": await c.proxy((await request.get_json(force=True))["url"])}
    except aiohttp.ClientResponseError as error:
        return {"ok": False, "status": error.status, "error": str(error)}


app.register_blueprint(control, url_prefix="/_control")


async def main() -> None:
    config = Config()
    config.bind = [f"127.0.0.1:{PORT}"]
    config.accesslog = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    @app.before_serving
    async def announce() -> None:
        line = {"listening": DOMAIN, "actor_id": ACTOR_ID, "bovine_name": BOVINE_NAME}
        print(json.dumps(line), flush=True)

    await serve(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]
    if _client is not None and _client.session is not None:
        await _client.session.close()


if __name__ == "__main__":
    asyncio.run(main())
