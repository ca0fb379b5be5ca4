"""What strangers do to the port is a short line in the log, not a stack trace at ERROR.

aiohttp logs every request it cannot parse (a TLS hello on the HTTP port, a bad header, a
NUL in the path, a cut chunk) and every connection lost while it answers as "Error handling
request" (or "Unhandled exception" for a body that breaks off after the answer) on the
`aiohttp.server` logger, at ERROR with the traceback. Anyone can send those,
so they would fill the log and hide real faults. `ClientNoise` turns exactly those records
into one INFO line (what was wrong, from whom); every other error keeps its level and trace.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web import RequestPayloadError

SERVER_LOGGER = "aiohttp.server"
# Bad requests, bodies that break off or do not decode, peers gone (resets included).
NOISE = (HttpProcessingError, RequestPayloadError, ConnectionError)
MAX_REASON = 200


def short_reason(exc: BaseException) -> str:
    """The exception as one bounded line (it may quote what the client sent)."""
    text = " ".join(str(exc).split())
    if len(text) > MAX_REASON:
        text = text[:MAX_REASON] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ClientNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not isinstance(exc, NOISE):
            return True
        peer = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        kind = "connection lost" if isinstance(exc, ConnectionError) else "bad HTTP"
        record.msg = "%s from %s: %s"
        record.args = (kind, peer, short_reason(exc))
        if record.levelno > logging.INFO:
            record.levelno, record.levelname = logging.INFO, "INFO"
        record.exc_info, record.exc_text = None, None
        return True


def install() -> None:
    """Add the filter to aiohttp's server logger, once per process."""
    logger = logging.getLogger(SERVER_LOGGER)
    if not any(isinstance(f, ClientNoise) for f in logger.filters):
        logger.addFilter(ClientNoise())
