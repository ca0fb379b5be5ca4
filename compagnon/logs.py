"""How the node writes its logs: plain text by default, one JSON object a line on request
(`--log-format json`), each record carrying the id of the request it belongs to.

The request id is a context variable: the web middleware sets it for the request it serves
(from a proxy's `X-Request-Id`, else a fresh one), the inbox stores it with each activity it
accepts, and the worker sets it again while it applies that activity, so an operator can follow
one activity from the POST that brought it to the handler that applied it.
"""

from __future__ import annotations

import logging
import os
import re
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
# What we accept from a proxy as a request id: short, and nothing a log reader could misparse.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id(offered: str | None = None) -> str:
    """The proxy's id when it is a safe token, else a fresh random one."""
    if offered and _SAFE_ID.match(offered):
        return offered
    return os.urandom(16).hex()  # uuid4().hex's length, without building a UUID per request


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: object, **kwargs: object) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)  # type: ignore[arg-type]
    record.request_id = request_id.get() or "-"
    return record


# Every record carries the request id, whichever handler writes it (ours, a test's, a
# library's): set on the record when it is made, in the context that made it.
logging.setLogRecordFactory(_record_with_request_id)


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure() installs, so that a second call replaces only its own."""


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Set the root logger's level and format; safe to call again (the last call wins).
    Handlers someone else put on the root logger (a test runner's) are left alone."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    handler = _OurHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Alembic says "Context impl SQLiteImpl" and "Will assume non-transactional DDL" at every
    # start: noise for a person; `compagnon migrate` reports what it changed itself.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
