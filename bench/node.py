"""A Compagnon node under test: `compagnon serve` as its own process, configured through
COMPAGNON_* variables, with the few things the benchmarks do to it from outside (create a
user, log in and publish through the web form, read its SQLite database)."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.procs import BenchError, Process, free_port, start
from compagnon import operations
from compagnon.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-1"  # throwaway accounts in throwaway databases
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class NodeSpec:
    name: str
    workdir: Path
    run_worker: bool = False
    database_url: str = ""  # empty: SQLite in workdir/<name>/data
    worker_interval: float | None = None  # None: the node's default
    port: int = 0  # 0: pick a free one
    patches: tuple[str, ...] = ()  # prototype changes (bench/whatif) applied at start-up
    web_processes: int = 1  # above 1: gunicorn prefork (PostgreSQL only)
    settings: tuple[tuple[str, str], ...] = ()  # more COMPAGNON_* variables (name, value)


class CompagnonNode:
    def __init__(self, spec: NodeSpec) -> None:
        self.spec = spec
        self.port = spec.port or free_port()
        self.home = spec.workdir / spec.name
        self.home.mkdir(parents=True, exist_ok=True)
        self.process: Process | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {
            "COMPAGNON_CONFIG": str(self.home / "node.toml"),  # absent: env and defaults only
            "COMPAGNON_DOMAIN": f"127.0.0.1:{self.port}",
            "COMPAGNON_SCHEME": "http",
            "COMPAGNON_HOST": "127.0.0.1",
            "COMPAGNON_PORT": str(self.port),
            "COMPAGNON_DATA_DIR": str(self.home / "data"),
            "COMPAGNON_DATABASE_URL": self.spec.database_url,
            "COMPAGNON_ALLOW_PRIVATE_ADDRESSES": "true",
            "COMPAGNON_RUN_WORKER": "true" if self.spec.run_worker else "false",
            "COMPAGNON_LOG_LEVEL": "WARNING",  # per-request INFO lines would cost CPU
            "COMPAGNON_NODE_NAME": f"Bench {self.spec.name}",
            # The inbox load comes from one host (the fake actors' server) as fast as the
            # node takes it: the per-host rate limit would measure itself, not the inbox.
            "COMPAGNON_INBOX_RATE_PER_HOST": "0",
        }
        if self.spec.web_processes != 1:
            env["COMPAGNON_WEB_PROCESSES"] = str(self.spec.web_processes)
        if self.spec.worker_interval is not None:
            env["COMPAGNON_WORKER_INTERVAL"] = str(self.spec.worker_interval)
        env.update(dict(self.spec.settings))
        return env

    @property
    def settings(self) -> Settings:
        return load_settings(None, environ=self.env)

    @property
    def sqlite_path(self) -> Path:
        return self.home / "data" / "compagnon.sqlite3"

    async def create_user(self, username: str) -> str:
        """A trainer account, made with the node's own code before it starts; its actor URI."""
        created = await operations.create_user(self.settings, username, PASSWORD)
        return created.actor_uri

    async def start(self) -> CompagnonNode:
        argv: list[str | Path] = [Path(sys.executable).parent / "compagnon", "serve"]
        env = self.env
        if self.spec.patches:
            argv = [sys.executable, "-m", "bench.whatif.serve", ",".join(self.spec.patches)]
            env["PYTHONPATH"] = str(REPO)
        self.process = start(
            f"compagnon {self.spec.name}",
            argv,
            log_path=self.home / "serve.log",
            cwd=self.home,
            env=env,
        )
        await self.process.wait_http(f"{self.base_url}/actor")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchError(f"node {self.spec.name} is not running")
        return self.process.pid

    # --- reading its SQLite database from outside (read-only, WAL lets it run beside) -----

    @contextlib.contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=10)
        try:
            yield connection
        finally:
            connection.close()

    def scalar(self, sql: str, *params: Any) -> Any:
        with self.db() as connection:
            row = connection.execute(sql, params).fetchone()
        return None if row is None else row[0]


@contextlib.asynccontextmanager
async def running(spec: NodeSpec, users: tuple[str, ...] = ()) -> AsyncIterator[CompagnonNode]:
    """A started node with `users` created first; stopped by its pid on exit."""
    node = CompagnonNode(spec)
    for username in users:
        await node.create_user(username)
    try:
        yield await node.start()
    finally:
        node.stop()


class WebUser:
    """A trainer using the node's web pages: log in once, then publish through /compose,
    exactly as from a phone (cookie session, CSRF token, 303 after the commit)."""

    def __init__(self, node: CompagnonNode, username: str) -> None:
        self.node = node
        self.username = username
        # unsafe: the cookie jar would otherwise drop cookies set by an IP-address host.
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def __aenter__(self) -> WebUser:
        async with self.http.get(f"{self.node.base_url}/login") as response:
            found = CSRF_FIELD.search(await response.text())
        if found is None:
            raise BenchError("no CSRF token on /login")
        form = {"username": self.username, "password": PASSWORD, "csrf": found.group(1)}
        async with self.http.post(
            f"{self.node.base_url}/login", data=form, allow_redirects=False
        ) as response:
            if response.status != 303:
                raise BenchError(f"login as {self.username} answered {response.status}")
        async with self.http.get(f"{self.node.base_url}/home") as response:
            found = CSRF_FIELD.search(await response.text())
        if found is None:
            raise BenchError("no CSRF token on /home")
        self.csrf = found.group(1)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.http.close()

    async def publish(self, text: str) -> None:
        """Returns when the node answered 303, i.e. the post and its deliveries are committed."""
        form = {"content": text, "visibility": "public", "csrf": self.csrf}
        async with self.http.post(
            f"{self.node.base_url}/compose", data=form, allow_redirects=False
        ) as response:
            if response.status != 303:
                raise BenchError(
                    f"/compose answered {response.status}: {(await response.text())[:300]}"
                )
