"""The floor under any aiohttp inbox: the least a server on the project's stack does to
accept a signed activity, with nothing stored and nothing applied. It reads the body, parses
it with orjson and, with `--verify`, checks the draft-cavage HTTP signature and the Digest
with the node's own `verify_request` against the fleet's keys (read from the fleet's file,
so no key is fetched), then answers 202.

    python -m bench.servers.floor PORT ACTORS_JSON [--verify]

No inbox can cost less CPU per activity than this on the same machine (the floor scenario,
bench/README.md): Compagnon's acceptance and processing together sit on top of it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson
from aiohttp import web

from bench.fakeactors import load_actors
from compagnon.federation.signing.signatures import (
    PublicKeyInfo,
    SignatureError,
    load_public_key,
    verify_request,
)


def build_app(keys: dict[str, PublicKeyInfo] | None) -> web.Application:
    """`keys`: by key id; None accepts without a signature check."""

    async def lookup(key_id: str, _refresh: bool) -> PublicKeyInfo | None:
        return keys.get(key_id) if keys is not None else None

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return web.Response(status=400)
        if not isinstance(doc, dict):
            return web.Response(status=400)
        if keys is not None:
            url = f"http://{request.host}{request.path_qs}"
            try:
                await verify_request("POST", url, request.headers, body, lookup, max_age=3600)
            except SignatureError:
                return web.Response(status=401)
        return web.Response(status=202)

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.add_routes([web.post("/inbox", inbox), web.get("/health", health)])
    return app


async def serve(port: int, keys: dict[str, PublicKeyInfo] | None) -> None:
    runner = web.AppRunner(build_app(keys), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    await asyncio.Event().wait()  # until SIGTERM


def main() -> None:
    port, actors_file = int(sys.argv[1]), Path(sys.argv[2])
    keys = None
    if "--verify" in sys.argv[3:]:
        keys = {
            a.key_id: PublicKeyInfo(a.key_id, a.uri, load_public_key(a.public_pem))
            for a in load_actors(actors_file)
        }
    asyncio.run(serve(port, keys))


if __name__ == "__main__":
    main()
