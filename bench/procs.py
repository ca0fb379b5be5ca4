"""Processes the benchmarks start: free ports, start and stop by pid, readiness polls,
and what /proc says about a process (resident memory, CPU time)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

STOP_GRACE = 10.0
BUSY_TICKS = 2  # in one 50 ms sample: 40 % of a core or more
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """A benchmark could not be set up or run; the message says which and why."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def raise_open_files_limit() -> None:
    """Fan-out keeps ~1,000 sockets open on each side: lift the soft limit to the hard one.
    Used as preexec_fn for children and called once in the bench process itself."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Process:
    """A child process with its log file; stopped by its pid, never by name."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait()

    async def wait_http(self, url: str, within: float = 60.0, interval: float = 0.1) -> None:
        """Poll `url` until it answers 200, for at most `within` s; fail if the child exits."""
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not self.alive():
                    raise BenchError(
                        f"{self.name} exited ({self.popen.returncode}) before answering {url}\n"
                        f"{tail(self.log_path)}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(url)).status_code == 200:
                        return
                await asyncio.sleep(interval)
        raise BenchError(f"{self.name} did not answer {url} in {within:g} s\n{tail(self.log_path)}")


def start(
    name: str,
    argv: Sequence[str | Path],
    *,
    log_path: Path,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> Process:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        popen = subprocess.Popen(
            [str(a) for a in argv],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_open_files_limit,
        )
    return Process(name, popen, log_path)


@contextlib.contextmanager
def running(process: Process) -> Iterator[Process]:
    try:
        yield process
    finally:
        process.stop()


# --- /proc -------------------------------------------------------------------------------


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak since start) of `pid`, in KiB."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time `pid` has used so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name may hold spaces: count fields after its closing parenthesis.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine so far (all cores), from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def postgres_cpu_seconds() -> float:
    """CPU time of the PostgreSQL server on this machine: every live `postgres` process, plus
    what the postmaster has reaped (backends that ended, e.g. a pool's closed connections).
    The server is shared: its figure is only as good as the quiet around it."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            fields = _stat_fields(int(entry.name))
            total += int(fields[11]) + int(fields[12])
            parent = Path(f"/proc/{fields[1]}/comm")
            if not parent.exists() or parent.read_text().strip() != "postgres":
                total += int(fields[13]) + int(fields[14])  # the postmaster: its reaped children
    return total / CLOCK_TICKS


class RssSampler:
    """Samples a process's VmRSS every `interval` seconds in a thread, for the peak under load
    (VmHWM alone would also count start-up, and cannot be reset without privileges)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        import threading

        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, KeyError):
                self.peak_kib = max(self.peak_kib, memory_kib(self.pid)["VmRSS"])
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _our_cpu_seconds() -> float:
    """CPU time of this process, of its children that have exited (reaped), and of every
    live descendant (nodes, servers, peers, py-spy): all the work the benchmark caused."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
    live: set[int] = set()
    frontier = [os.getpid()]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        live.update(children)
        frontier.extend(children)
    times = os.times()
    total = times.user + times.system + times.children_user + times.children_system
    for pid in live:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


class BackgroundMeter:
    """How many cores other people's processes kept busy while a scenario ran: the machine's
    busy time minus our process tree's. The figures are only as good as the quiet around them."""

    def __init__(self) -> None:
        self._start = (time.monotonic(), machine_cpu_seconds(), _our_cpu_seconds())

    def cores(self) -> dict[str, float]:
        wall = time.monotonic() - self._start[0]
        busy = machine_cpu_seconds() - self._start[1]
        ours = _our_cpu_seconds() - self._start[2]
        return {"ours": round(ours / wall, 2), "others": round(max(0.0, busy - ours) / wall, 2)}


# --- a server's own CPU time, for CPU per activity ------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def descendants(root: int) -> list[int]:
    """Live descendants of `root` (children, their children, ...), from /proc's parent links."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int(_stat_fields(int(entry.name))[1])
    found: list[int] = []
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def tree_cpu_seconds(roots: Sequence[int]) -> float:
    """utime + stime of each root, of its reaped children (cutime + cstime) and of every live
    descendant: all the CPU a server's processes (gunicorn's forks, threads) have used."""
    total = 0
    seen: set[int] = set()
    for root in roots:
        for pid in [root, *descendants(root)]:
            if pid in seen:
                continue
            seen.add(pid)
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = _stat_fields(pid)
                total += int(fields[11]) + int(fields[12])
                if pid == root:
                    total += int(fields[13]) + int(fields[14])
    return total / CLOCK_TICKS


def find_descendant(root: int, *needles: str) -> int:
    """The pid of `root`'s live descendant whose command line holds every one of `needles`
    (a peer started by a runner that does not hand its pid out)."""
    for pid in descendants(root):
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            words = [a.decode(errors="replace") for a in argv]
            if all(any(needle in word for word in words) for needle in needles):
                return pid
    raise BenchError(f"no process of ours runs {' '.join(needles)}")


async def settled_cpu(
    roots: Sequence[int],
    deadline: float,
    window: float = 0.3,
    interval: float = 0.05,
    idle_ticks: int = 2,
) -> tuple[float, float]:
    """Bounded wait until the process trees of `roots` stop working: no more than `idle_ticks`
    clock ticks of CPU over `window` seconds. Returns (their CPU seconds then, the monotonic
    time of the last sample that still showed work), so background work a server does after
    its 2xx (bovine's inbox task, a garbage collection) is counted, and the quiet window is not."""
    stop_at = time.monotonic() + deadline
    samples: list[tuple[float, float]] = [(time.monotonic(), tree_cpu_seconds(roots))]
    last_busy = samples[0][0]
    while time.monotonic() < stop_at:
        await asyncio.sleep(interval)
        now, cpu = time.monotonic(), tree_cpu_seconds(roots)
        # A stray timer tick is not work: busy means BUSY_TICKS or more in one sample.
        if round((cpu - samples[-1][1]) * CLOCK_TICKS) >= BUSY_TICKS:
            last_busy = now
        samples.append((now, cpu))
        old = [s for s in samples if now - s[0] >= window]
        if old and round((cpu - old[-1][1]) * CLOCK_TICKS) <= idle_ticks:
            return cpu, last_busy
    raise BenchError(f"processes {list(roots)} still busy after {deadline:g} s")
