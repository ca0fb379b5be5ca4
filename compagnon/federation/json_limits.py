"""What a JSON document from a peer must respect before we keep it: a nesting depth, and
nothing our databases cannot store.

orjson reads documents up to 1,024 levels deep but writes only 254: a deeper one would pass
parsing and verification and then fail when stored (and PostgreSQL refuses a NUL character in
text and JSON alike). Checking here, once, turns both into a clear refusal at the door.
The walk is iterative: a hostile document cannot exhaust the Python stack.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any, Final

DEFAULT_MAX_DEPTH: Final = 64  # our own documents stay under 10; orjson writes up to 254


def storage_problem(
    doc: Any, max_depth: int = DEFAULT_MAX_DEPTH, body: bytes | None = None
) -> str | None:
    """Why `doc` (as orjson parsed it) cannot be kept, or None. The top level is depth 1.

    Given the `body` it was parsed from, the common case costs two byte scans, not a walk:
    every level opens with a bracket, so a body with no more brackets than `max_depth` is not
    too deep; and a NUL can only come from a `\\u0000` escape (raw control characters are not
    JSON)."""
    check_nul = body is None or b"\\u0000" in body
    if body is not None and body.count(b"[") + body.count(b"{") <= max_depth and not check_nul:
        return None
    if body is not None and not check_nul:
        too_deep = _depth_of_body(body) > max_depth
        return f"JSON nested deeper than {max_depth} levels" if too_deep else None
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > max_depth:
                return f"JSON nested deeper than {max_depth} levels"
            for key, item in value.items():
                if "\x00" in key:
                    return "a NUL character (\\u0000) in a key"
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > max_depth:
                return f"JSON nested deeper than {max_depth} levels"
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and "\x00" in value:
            return "a NUL character (\\u0000) in a string"
    return None


# A JSON string (valid JSON: orjson parsed it): its brackets are text, not nesting.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256  # what each bracket does to the depth
for _open, _close in (b"[]", b"{}"):
    _STEP[_open], _STEP[_close] = 1, -1


def _depth_of_body(body: bytes) -> int:
    """The nesting depth of a valid JSON body (the top level is 1), from its bytes: strings
    removed, then the brackets' running sum, every loop in C. Walking the parsed document
    instead was ~6 % of a catalogue sync's CPU (bench/README.md, "catalogue sync")."""
    brackets = _STRING.sub(b"", body).translate(None, delete=_NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)
