"""Reading numbers from query strings, for every view that takes one.

`str.isdigit()` accepts "²" and "①", which `int()` refuses, and `int()` of 5,000 digits is
slow and larger than any database column: a whole number here is 1 to 19 ASCII digits inside
a range the caller gives, or the request gets a 400 that says which parameter is wrong.
"""

from __future__ import annotations

import re

import orjson
from aiohttp import web

from compagnon.i18n import _

ASCII_NUMBER = re.compile(r"[0-9]{1,19}")
LARGEST = 2**63 - 1  # the largest value a BIGINT column (and SQLite's INTEGER) holds


def bad_request(message: str) -> web.HTTPBadRequest:
    """A 400 whose body is the short JSON problem every other refusal of ours uses."""
    return web.HTTPBadRequest(
        text=orjson.dumps({"error": message, "status": 400}).decode(),
        content_type="application/json",
    )


def whole_number(text: str, minimum: int = 0, maximum: int = LARGEST) -> int | None:
    """`text` as an int when it is ASCII digits within [minimum, maximum], else None."""
    if not ASCII_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def query_int(
    request: web.Request, name: str, *, minimum: int = 0, maximum: int = LARGEST
) -> int | None:
    """The query parameter `name` as a whole number, None when absent; raises a 400 when it
    is anything but ASCII digits within [minimum, maximum]. A repeated parameter counts once
    (the first), as everywhere else in the node."""
    raw = request.query.get(name)
    if raw is None:
        return None
    value = whole_number(raw, minimum, maximum)
    if value is None:
        raise bad_request(
            _(
                "{name} must be a whole number from {minimum} to {maximum}",
                name=name,
                minimum=minimum,
                maximum=maximum,
            )
        )
    return value
