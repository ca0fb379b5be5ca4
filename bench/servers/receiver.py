"""The fan-out receiver: one process listening on many loopback addresses (127.1.x.y, same
port), each standing for a distinct peer host with its own shared inbox. It checks every
delivery's HTTP signature against the author's public key and answers 202; the bench reads
when the first and last 2xx went out.

    python -m bench.servers.receiver PORT COUNT KEY_JSON

KEY_JSON: {"key_id": ..., "owner": ..., "public_pem": ...} of the publishing author.
Control routes on 127.0.0.1:PORT: GET /_stats, POST /_reset.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from aiohttp import web

from compagnon.federation.signing.signatures import (
    PublicKeyInfo,
    SignatureError,
    load_public_key,
    verify_request,
)


def address(index: int) -> str:
    """The loopback address of peer host number `index` (0-based): 127.1.0.1, 127.1.0.2, ...
    250 per /24 so that no address ends in .0 or .255."""
    return f"127.1.{index // 250}.{index % 250 + 1}"


class Log:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.times: list[float] = []
        self.hosts: set[str] = set()
        self.verified = 0
        self.refused = 0
        self.activity_ids: set[str] = set()


def build_app(key: PublicKeyInfo) -> web.Application:
    log = Log()

    async def lookup(key_id: str, _refresh: bool) -> PublicKeyInfo | None:
        return key if key_id == key.key_id else None

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        url = f"http://{request.host}{request.path_qs}"
        try:
            await verify_request("POST", url, request.headers, body, lookup, max_age=3600)
        except SignatureError as exc:
            log.refused += 1
            return web.json_response({"error": exc.reason}, status=401)
        log.verified += 1
        log.hosts.add(request.host)
        log.activity_ids.add(str(json.loads(body).get("id")))
        log.times.append(time.monotonic())  # CLOCK_MONOTONIC: comparable across processes
        return web.Response(status=202)

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                "count": len(log.times),
                "first": min(log.times, default=None),
                "last": max(log.times, default=None),
                "hosts": len(log.hosts),
                "verified": log.verified,
                "refused": log.refused,
                "activities": sorted(log.activity_ids),
            }
        )

    async def reset(_request: web.Request) -> web.Response:
        log.reset()
        return web.json_response({"ok": True})

    app = web.Application()
    app.add_routes(
        [web.post("/inbox", inbox), web.get("/_stats", stats), web.post("/_reset", reset)]
    )
    return app


async def serve(port: int, count: int, key: PublicKeyInfo) -> None:
    from bench.procs import raise_open_files_limit

    raise_open_files_limit()
    runner = web.AppRunner(build_app(key), access_log=None)
    await runner.setup()
    for host in ["127.0.0.1", *(address(i) for i in range(count))]:
        await web.TCPSite(runner, host, port, backlog=1024).start()
    await asyncio.Event().wait()  # until SIGTERM


def main() -> None:
    port, count = int(sys.argv[1]), int(sys.argv[2])
    doc = json.loads(Path(sys.argv[3]).read_text())
    key = PublicKeyInfo(doc["key_id"], doc["owner"], load_public_key(doc["public_pem"]))
    asyncio.run(serve(port, count, key))


if __name__ == "__main__":
    main()
