"""What the three peer runners share: installs, ports, subprocess lifetimes, readiness polls."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import IO

import httpx

PEERS_DIR = Path(__file__).resolve().parent

# How long a peer may take to answer its first request, as a bounded poll: TRIES x INTERVAL.
READY_TRIES = 150
READY_INTERVAL = 0.1
# How long a peer gets to exit after SIGTERM before SIGKILL.
STOP_GRACE = 5.0


class PeerError(RuntimeError):
    """A peer could not be installed, started or driven."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def install_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock so that parallel test processes install a peer only once."""
    with open(directory / ".install.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fingerprint(*files: Path, extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_checked(argv: Sequence[str | Path], cwd: Path, what: str) -> None:
    """Run an install command; on failure raise with the tail of its output."""
    result = subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-4000:]
        command = " ".join(map(str, argv))
        raise PeerError(f"{what} failed ({result.returncode}): {command}\n{output}")


def ensure_venv(venv: Path, requirements: Path) -> Path:
    """Create ``venv`` and install the pinned ``requirements`` unless already done; its python.

    Idempotent: a stamp holds the interpreter version and the requirements' hash, so a warm
    call is two file reads. The venv is built from the interpreter running the tests.
    """
    python = venv / "bin" / "python"
    stamp = venv / ".compagnon-installed"
    wanted = json.dumps({"python": sys.version, "requirements": fingerprint(requirements)})
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    with install_lock(venv.parent):
        if python.exists() and stamp.exists() and stamp.read_text() == wanted:
            return python
        stale_python = not stamp.exists() or json.loads(stamp.read_text())["python"] != sys.version
        if not python.exists() or stale_python:
            run_checked(
                [sys.executable, "-m", "venv", "--clear", venv], venv.parent, "creating a venv"
            )
        run_checked(
            [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
             "--quiet", "-r", requirements],
            venv.parent,
            f"installing {requirements}",
        )
        stamp.write_text(wanted)
    return python


@contextlib.contextmanager
def log_directory(log_dir: Path | None) -> Iterator[Path]:
    """``log_dir`` itself, or a temporary directory removed afterwards."""
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        yield log_dir
        return
    with tempfile.TemporaryDirectory(prefix="compagnon-peer-") as tmp:
        yield Path(tmp)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.asynccontextmanager
async def running_process(
    argv: Sequence[str | Path], *, cwd: Path, log_path: Path, env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start ``argv`` with stdout and stderr going to ``log_path``; on exit, even on failure,
    SIGTERM its pid, wait, SIGKILL it if it lingers, and reap it."""
    log: IO[bytes] = open(log_path, "ab")  # noqa: ASYNC230, SIM115 (a local file, closed below)
    try:
        process = await asyncio.create_subprocess_exec(
            *[str(a) for a in argv],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    except BaseException:
        log.close()
        raise
    try:
        yield process
    finally:
        try:
            await stop_process(process)
        finally:
            log.close()


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            await process.wait()


async def wait_until_ready(
    process: asyncio.subprocess.Process,
    client: httpx.AsyncClient,
    url: str,
    *,
    name: str,
    log_path: Path,
    tries: int = READY_TRIES,
    interval: float = READY_INTERVAL,
) -> httpx.Response:
    """Poll ``url`` until it answers 200, at most ``tries`` times ``interval`` seconds apart;
    fail at once, with the log's tail, if the process exits."""
    for _ in range(tries):
        if process.returncode is not None:
            raise PeerError(
                f"{name} exited with {process.returncode} before answering {url}\n"
                f"{tail(log_path)}"
            )
        try:
            response = await client.get(url, timeout=2.0)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        await asyncio.sleep(interval)
    raise PeerError(
        f"{name} did not answer {url} within {tries * interval:.0f} s\n{tail(log_path)}"
    )


def check(response: httpx.Response) -> httpx.Response:
    """Raise PeerError, with the peer's answer, on a non-2xx control response."""
    if response.is_success:
        return response
    raise PeerError(
        f"{response.request.method} {response.request.url} -> {response.status_code}: "
        f"{response.text[:2000]}"
    )
