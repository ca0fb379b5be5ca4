"""A real node as a child process (`compagnon serve`), for the tests that kill it with SIGKILL
and start it again on the same database. Stopped and killed by its pid only.

Readiness is the banner `serve` prints once its socket listens (read from the child's output
as it comes, not polled); the last lines the child printed are kept to show on failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections import deque
from pathlib import Path
from typing import Any

from compagnon.config import Settings, env_name, load_settings
from tests.support.nodes import free_port

READY = b"Compagnon serving"
REPO = Path(__file__).resolve().parents[2]
START_WITHIN = 60.0
STOP_WITHIN = 30.0


class NodeProcess:
    """`compagnon serve` on a loopback port, worker on, with its own database URL.

    `start()` may be called again after `kill()` or `stop()`: same port, same database, same
    worker name (so the restarted worker takes back its claims, as a service would)."""

    def __init__(self, name: str, database_url: str, data_dir: Path, **settings: Any) -> None:
        self.name = name
        self.port = free_port()
        self.data_dir = data_dir
        self.output: deque[str] = deque(maxlen=200)
        values: dict[str, Any] = {
            "domain": f"127.0.0.1:{self.port}",
            "scheme": "http",
            "host": "127.0.0.1",
            "port": self.port,
            "data_dir": str(data_dir),
            "database_url": database_url,
            "node_name": f"Centre {name}",
            "allow_private_addresses": True,
            "run_worker": True,
            "worker_interval": 0.2,
            **settings,
        }
        self.environ = {env_name(key): _env_value(value) for key, value in values.items()}
        self.environ["COMPAGNON_CONFIG"] = str(data_dir / "absent-node.toml")
        self.environ["COMPAGNON_WORKER_NAME"] = f"{name}-worker"
        self.environ["COMPAGNON_LOG_LEVEL"] = "WARNING"
        self.settings: Settings = load_settings(None, environ=self.environ)
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def base(self) -> str:
        return self.settings.base_url

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    async def start(self) -> NodeProcess:
        ready = asyncio.Event()
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "compagnon",
            "serve",
            env={**os.environ, **self.environ},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=REPO,
        )
        self._reader = asyncio.create_task(self._copy_output(self._process, ready))
        waits = [asyncio.ensure_future(ready.wait()), asyncio.ensure_future(self._reader)]
        try:
            await asyncio.wait(waits, timeout=START_WITHIN, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waits[0].cancel()
        if not ready.is_set():
            await self.kill()
            raise AssertionError(f"node {self.name} did not start:\n{self.log_tail()}")
        return self

    async def _copy_output(self, process: asyncio.subprocess.Process, ready: asyncio.Event) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            self.output.append(line.decode("utf-8", "replace").rstrip())
            if READY in line:
                ready.set()

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no last commit, as a power cut or the OOM killer would."""
        await self._end(signal.SIGKILL)

    async def stop(self) -> None:
        """SIGTERM: the node finishes its worker pass and closes (SIGKILL after a bound)."""
        await self._end(signal.SIGTERM)

    async def _end(self, how: signal.Signals) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, how)
            try:
                async with asyncio.timeout(STOP_WITHIN):
                    await process.wait()
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)
                await process.wait()
        if self._reader is not None:
            await self._reader
            self._reader = None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(list(self.output)[-lines:]) or "(no output)"


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
