"""What a JSON document from a peer must respect before we keep it: a nesting depth, and
nothing our databases cannot store.

orjson reads documents up to 1,024 levels deep but writes only 254: a deeper one would pass
parsing and verification and then fail when stored (and PostgreSQL refuses a NUL character in
text and JSON alike). Checking here, once, turns both into a clear refusal at the door.
The walk is iterative: a hostile document cannot exhaust the Python stack.
"""

from __future__ import annotations

from typing import Any, Final

DEFAULT_MAX_DEPTH: Final = 64  # our own documents stay under 10; orjson writes up to 254


def storage_problem(
    doc: Any, max_depth: int = DEFAULT_MAX_DEPTH, body: bytes | None = None
) -> str | None:
    """Why `doc` (as orjson parsed it) cannot be kept, or None. The top level is depth 1.

    Given the `body` it was parsed from, the common case costs two byte scans, not a walk:
    every level opens with a bracket, so a body with no more brackets than `max_depth` is not
    too deep; and a NUL can only come from a `\\u0000` escape (raw control characters are not
    JSON). Past that, without a NUL, only the containers are walked, a level at a time."""
    check_nul = body is None or b"\\u0000" in body
    if body is not None and body.count(b"[") + body.count(b"{") <= max_depth and not check_nul:
        return None
    if body is not None and not check_nul:
        too_deep = _deeper_than(doc, max_depth)
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


def _deeper_than(doc: Any, max_depth: int) -> bool:
    """Whether the parsed document nests deeper than `max_depth` (the top level is 1): its
    dicts and lists, one level at a time, each level gathered by a comprehension. A catalogue
    page of 60 resources (258 KB): 1.9 ms, against 5.5 ms for stripping the strings from its
    bytes with a regex and summing the brackets (what this replaced: 9.5 % of a catalogue
    sync's CPU in a py-spy profile, bench/README.md)."""
    level = [doc] if isinstance(doc, dict | list) else []
    depth = 1
    while level:
        if depth > max_depth:
            return True
        deeper: list[Any] = []
        for value in level:
            # Exact types: the document is orjson's, parsed from the body (isinstance is twice
            # as slow here, and with `dict | list` three times).
            items = value.values() if type(value) is dict else value
            deeper += [item for item in items if type(item) is dict or type(item) is list]
        level, depth = deeper, depth + 1
    return False
