"""`compagnon serve --web-processes N`: N aiohttp processes on one port, through gunicorn's
pre-forking arbiter and aiohttp's own gunicorn worker class.

Why gunicorn rather than a hand-made prefork on SO_REUSEPORT: it is the well-kept arbiter
aiohttp documents for this. It binds the socket once and shares it with the processes it
forks, restarts a process that dies or hangs (heartbeat timeout), stops them gracefully on
SIGTERM and reloads on SIGHUP. We would otherwise write and test all of that ourselves.

Each process builds its own app after the fork (its own engine, group-commit inbox writer,
key cache and worker); they share nothing but the PostgreSQL database, and hear each other's
changes through storage/notify.py. Prometheus figures of every process go to
PROMETHEUS_MULTIPROC_DIR, which `serve` sets when the operator has not.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from gunicorn.app.base import BaseApplication

from compagnon.config import Settings

WORKER_CLASS = "aiohttp.GunicornWebWorker"


def app_factory(settings: Settings) -> Callable[[], Awaitable[web.Application]]:
    async def make() -> web.Application:
        from compagnon.server.app import create_app  # after the fork: nothing shared
        from compagnon.server.worker import default_worker_name

        return create_app(
            settings, worker_name=f"{default_worker_name()}-{os.getpid()}", tune_gc=True
        )

    return make


def _child_exit(_server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


class WebProcesses(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, ready: Callable[[], None]) -> None:
        self.settings = settings
        self.ready = ready
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        for key, value in {
            "bind": f"{s.host}:{s.port}",
            "workers": s.web_processes,
            "worker_class": WORKER_CLASS,
            "graceful_timeout": 30,
            "timeout": 120,  # a process whose loop stops answering this long is replaced
            "proc_name": "compagnon-web",
            # gunicorn's control socket, per node (its default, ~/.gunicorn, is one per user)
            "control_socket": str(Path(s.data_dir).resolve() / "gunicorn.ctl"),
            "accesslog": None,
            "loglevel": s.log_level.lower(),
            "child_exit": _child_exit,
            "when_ready": lambda _arbiter: self.ready(),
        }.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[[], Awaitable[web.Application]]:
        return app_factory(self.settings)


def serve(settings: Settings, ready: Callable[[], None]) -> None:
    WebProcesses(settings, ready).run()
