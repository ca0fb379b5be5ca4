"""The prototype changes, each a function that patches the imported node in place, applied
before `compagnon serve` builds its app.

The first round of prototypes (signature keys in memory, executemany group commit, worker
wake-up, deliveries without waves and with bulk outcome records) is in the node since
d6ba9fd; their measurements before that commit are in results/before-d6ba9fd-whatif.json.
What is left to try:

pool     SQLite engines get a pool as large as the load's concurrency (32, no overflow), so
         connections are not opened and closed under load (each is a file handle + 5 PRAGMAs).

chunk200 the worker claims 200 pending activities a pass and applies them in one transaction
         (the node: 100). Measured 2026-12-07 against 100: about the same CPU, and the
         loop held longer per transaction (POST p99 up to 198 ms at 32 in flight).

Not a change but a look inside:

statements  counts every SQL statement the node runs, by its text, and writes the counts
            (most first) to statements.json in the node's working directory when it stops:
            `python -m bench.own_cpu OUT.json --patches statements` keeps that file as
            OUT.statements.json.
steps       times each step of the worker's pass (STEPS) and writes the seconds and calls to
            steps.json when the node stops; kept as OUT.steps.json. On the inline SQLite
            driver a step that only talks to the database does not yield, so its wall time
            is CPU; a step that awaits the network (a fetch) counts its wait too.

The second round (revive only hosts that are down, nh3, deliveries through aiohttp's client)
is in the node since this session; measured before in results/latest-whatif.json.
"""

from __future__ import annotations

from collections.abc import Callable

SQLITE_POOL = 32


def pool() -> None:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from compagnon.storage import db

    original = db.create_engine

    def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
        if not db.is_sqlite(url):
            return original(url, echo=echo)
        return db.sqlite_engine(url, echo=echo, pool_size=SQLITE_POOL, max_overflow=0)

    db.create_engine = create_engine  # before compagnon.server.app imports it


def statements() -> None:
    import atexit
    import json
    from collections import Counter
    from pathlib import Path
    from typing import Any

    import greenlet
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counts: Counter[str] = Counter()

    def caller() -> str:
        """The innermost of our functions on the stack: SQLAlchemy runs the statement in a
        greenlet whose parent's frame (where it switched) leads back to our coroutine."""
        here = greenlet.getcurrent()
        frame = here.parent.gr_frame if here.parent is not None else None
        while frame is not None:
            name = frame.f_code.co_filename
            if "/compagnon/" in name and "/storage/db" not in name:
                return f"{frame.f_code.co_qualname} ({name.rsplit('/compagnon/', 1)[1]})"
            frame = frame.f_back
        return "?"

    @event.listens_for(Engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counts[f"{caller()}: {' '.join(statement.split())[:120]}"] += 1

    def write() -> None:
        Path("statements.json").write_text(json.dumps(counts.most_common(), indent=1))

    atexit.register(write)


STEPS = (
    "compagnon.server.worker:Worker.process_inbound",
    "compagnon.server.worker:Worker._apply_chunk",
    "compagnon.server.worker:Worker._load_senders",
    "compagnon.federation.resolver:Resolver.actors",
    "compagnon.federation.inbox.handlers:_create_many",
    "compagnon.federation.inbox.handlers:_checked_object",
    "compagnon.federation.ingest:store_remote_objects",
    "compagnon.federation.ingest:prepare",
    "compagnon.federation.ingest:_held",
    "compagnon.federation.ingest:_push_to_readers",
    "compagnon.federation.ingest:index_received",
    "compagnon.federation.ingest:record_lineage",
    "compagnon.storage.queries.provenance:record_new",
    "compagnon.storage.queries.provenance:seen_again",
    "compagnon.federation.social:notify_created",
    "compagnon.storage.queries.notifications:notify_many",
    "compagnon.storage.queries.push:queue_for_many",
    "compagnon.storage.queries.activities:claim_pending",
    "compagnon.storage.queries.activities:take_many",
    "compagnon.storage.queries.activities:mark_processed_many",
    "compagnon.storage.queries.actors:by_uris",
    "compagnon.storage.queries.relays:any_accepted",
    "compagnon.storage.queries.work:due_work",
    "compagnon.federation.inbox.writer:InboxWriter._write",
    "compagnon.federation.inbox.pipeline:receive",
    # its time beyond the C call is a wait for the write lock
    "compagnon.storage.sqlite_inline:retrying",
)


def steps() -> None:
    import atexit
    import functools
    import importlib
    import inspect
    import json
    import sys
    import time
    from collections import Counter
    from pathlib import Path
    from typing import Any

    seconds: Counter[str] = Counter()
    calls: Counter[str] = Counter()

    def timed(label: str, original: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(original):

            @functools.wraps(original)
            async def waited(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    seconds[label] += time.perf_counter() - started
                    calls[label] += 1

            return waited

        @functools.wraps(original)
        def ran(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - started
                calls[label] += 1

        return ran

    for step in STEPS:
        module_name, _, qualname = step.partition(":")
        module = importlib.import_module(module_name)
        owner: Any = module
        *path, name = qualname.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        wrapped = timed(qualname, original)
        setattr(owner, name, wrapped)
        if owner is module:  # `from module import name` elsewhere holds the original
            for other in list(sys.modules.values()):
                found = getattr(other, "__dict__", {})
                for key, value in list(found.items()):
                    if value is original:
                        setattr(other, key, wrapped)

    def write() -> None:
        table = {label: [seconds[label], calls[label]] for label, _ in seconds.most_common()}
        Path("steps.json").write_text(json.dumps(table, indent=1))

    atexit.register(write)


def chunk200() -> None:
    from compagnon.server import worker

    worker.CHUNK = 200
    original = worker.Worker.__init__

    def init(self: worker.Worker, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.batch = 200

    worker.Worker.__init__ = init  # type: ignore[method-assign]


PATCHES: dict[str, Callable[[], None]] = {
    "chunk200": chunk200,
    "pool": pool,
    "statements": statements,
    "steps": steps,
}
