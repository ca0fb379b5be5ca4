"""py-spy recording of a running process, and a plain-text summary of its samples.

py-spy attaches by pid (no change to the node) and samples only threads that are running,
so the shares below are shares of CPU time. Raw output is the "collapsed stacks" format:
one line per distinct stack, "outer;...;inner COUNT", each frame "function (file:line)".
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
SAMPLE_RATE = 200  # per second: enough resolution for a few seconds of load, ~1 % overhead
STOP_GRACE = 30.0


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise FileNotFoundError("py-spy is not installed: pip install -r bench/requirements.txt")
    return found


class Recording:
    """py-spy sampling `pid` until stop(): py-spy writes its file when interrupted."""

    def __init__(self, pid: int, output: Path) -> None:
        self.output = output
        argv = [
            py_spy(),
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(SAMPLE_RATE),
            "--format",
            "raw",
            # only the thread holding the GIL: without it a thread parked in a socket write
            # or a C call that released the GIL is counted busy (19.6 % against 0.7 % for
            # the aggregator's transport writes, bench/README.md)
            "--gil",
            "--output",
            str(output),
        ]
        self.popen = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> Path:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.output


def _wait_points() -> set[tuple[str, str]]:
    """(function, file:line) of the calls where pool threads block on their queue. py-spy
    counts a thread blocked there as running (the wait releases the GIL in C), so without
    this filter an idle aiosqlite thread would look like the hottest code of the node."""
    import inspect

    points = {("EpollSelector.select", ""), ("Condition.wait", ""), ("Event.wait", "")}
    try:
        from concurrent.futures import thread

        import aiosqlite.core

        for function, needle, label in (
            (aiosqlite.core._connection_worker_thread, "tx.get(", "aiosqlite/core.py"),
            (thread._worker, "work_queue.get(block=True)", "concurrent/futures/thread.py"),
        ):
            lines, first = inspect.getsourcelines(function)
            for offset, text in enumerate(lines):
                if needle in text:
                    points.add((function.__name__, f"{label}:{first + offset}"))
    except (ImportError, OSError):
        pass
    return points


def _is_wait(frame: str, points: set[tuple[str, str]]) -> bool:
    match = FRAME.match(frame.strip())
    if match is None:
        return False
    function = match["func"]
    where = frame.strip().rsplit("(", 1)[-1].rstrip(")")
    return any(
        function.endswith(name) and (not spot or where.endswith(spot)) for name, spot in points
    )


def _frame_name(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def _package(name: str) -> str:
    """The top-level package of a summarised frame name ("f (sqlalchemy/orm/x.py)")."""
    path = name.rsplit("(", 1)[-1].rstrip(")")
    head = path.split("/", 1)[0]
    if head.endswith(".py") or head.startswith("<"):
        return "python stdlib" if not head.startswith("<frozen") else "python import"
    return head


def summarise(raw: Path, top: int = 20) -> str:
    """Busy time by package (self time), our functions by inclusive time (time with the
    function on the stack), and the hottest functions by self time; all threads merged."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    # a library's self time, charged to the innermost of our functions that called into it:
    # which of our calls make SQLAlchemy, aiohttp or asyncio busy
    library_by_caller: Counter[str] = Counter()
    total = waiting = 0
    points = _wait_points()
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        raw_frames = [f for f in stack.split(";") if f.strip()]
        if not raw_frames or _is_wait(raw_frames[-1], points):
            waiting += count
            continue
        frames = [_frame_name(f) for f in raw_frames]
        total += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
        if "(compagnon/" not in frames[-1]:
            caller = next((f for f in reversed(frames) if "(compagnon/" in f), "(none of ours)")
            library_by_caller[f"{_package(frames[-1])} <- {caller}"] += count
    if not total:
        return "no samples\n"
    packages: Counter[str] = Counter()
    for name, count in own.items():
        packages[_package(name)] += count
    ours = [
        (n, c)
        for n, c in inclusive.most_common()
        if "(compagnon/" in n and not n.startswith(("main (", "cmd_serve ("))
    ]

    def share(count: int) -> str:
        return f"{100 * count / total:6.1f} %"

    lines = [
        f"{total} busy samples at {SAMPLE_RATE}/s, all threads ({waiting} samples of "
        "threads blocked on a queue or a selector left out)",
        "",
        "self time by package:",
    ]
    lines += [f"  {share(c)}  {name}" for name, c in packages.most_common(12)]
    lines += ["", "compagnon functions, inclusive time:"]
    lines += [f"  {share(c)}  {name}" for name, c in ours[:top]]
    lines += ["", "hottest functions, self time:"]
    lines += [f"  {share(c)}  {name}" for name, c in own.most_common(top)]
    lines += ["", "library self time, by the innermost of our functions that called it:"]
    lines += [f"  {share(c)}  {name}" for name, c in library_by_caller.most_common(top)]
    return "\n".join(lines) + "\n"
