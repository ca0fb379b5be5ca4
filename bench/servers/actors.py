"""Serves the fake remote actors' documents (their public keys) on 127.0.0.1, and swallows
whatever the node under test sends back to them (202).

    python -m bench.servers.actors PORT ACTORS_JSON
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from aiohttp import web

from bench.fakeactors import load_actors

ACTIVITY_JSON = "application/activity+json"


def build_app(base: str, actors_file: Path) -> web.Application:
    documents = {a.username: orjson.dumps(a.document(base)) for a in load_actors(actors_file)}

    async def actor(request: web.Request) -> web.Response:
        body = documents.get(request.match_info["name"])
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(body=body, content_type=ACTIVITY_JSON)

    async def empty_collection(request: web.Request) -> web.Response:
        doc = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": str(request.url),
            "type": "OrderedCollection",
            "totalItems": 0,
            "orderedItems": [],
        }
        return web.Response(body=orjson.dumps(doc), content_type=ACTIVITY_JSON)

    async def swallow(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=202)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"actors": len(documents)})

    app = web.Application()
    app.add_routes(
        [
            web.get("/health", health),
            web.get("/actors/{name}", actor),
            web.get("/actors/{name}/{collection:outbox|followers|following}", empty_collection),
            web.post("/inbox", swallow),
            web.post("/actors/{name}/inbox", swallow),
        ]
    )
    return app


def main() -> None:
    port, actors_file = int(sys.argv[1]), Path(sys.argv[2])
    web.run_app(
        build_app(f"http://127.0.0.1:{port}", actors_file),
        host="127.0.0.1",
        port=port,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()
