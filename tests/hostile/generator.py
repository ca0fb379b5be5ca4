"""The hostile-input corpus: requests that have broken parsers, databases and pages elsewhere,
built from the data files beside this module and a seeded generator.

Four families, each a list of `Case`s, each in a module of its own:
- `inbox_cases.py`: bodies (bad JSON, wrong types, huge strings, odd unicode, deep nesting)
  sent unsigned and signed (draft-cavage and RFC 9421), signatures and digests mangled after
  signing, odd content types;
- `get_cases.py`: every GET route of the running app (read from its router, so a new route is
  covered without editing a file) with odd query strings: unicode digits, huge numbers,
  NULs, broken percent-encoding, repeated parameters, IPv6 brackets ...;
- `form_cases.py`: every form (sign-in, new post, sign-out) with bad encodings, unknown
  charsets, broken multipart, oversize fields and missing or wrong CSRF tokens;
- `api_cases.py`: every write route of the Mastodon client API (read from the router) with
  hostile JSON, form and multipart bodies, odd ids and tokens, with a token and without.
This module holds what they share: the case, the sender and target, the seed and profile.

The default profile is the one CI runs (a few thousand cases, well under a minute);
COMPAGNON_HOSTILE_PROFILE=long multiplies the generated cases (`multiplier()`), drawing more
combinations from the same seeded generator, so a failure can be replayed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from compagnon.federation.signing.signatures import KeyObj

DATA = Path(__file__).parent / "data"
SEED = 8  # issue 8
NOWHERE = "http://127.0.0.1:9"  # a closed loopback port: anything fetched there fails at once
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"


def multiplier() -> int:
    return 10 if os.environ.get("COMPAGNON_HOSTILE_PROFILE", "") == "long" else 1


def odd_strings() -> list[str]:
    lines = (DATA / "odd_strings.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if not line.startswith("#")]


def query_values() -> list[str]:
    lines = (DATA / "query_values.txt").read_text(encoding="ascii").split("\n")
    return [line for line in lines[1:] if not line.startswith("#")][:-1] or [""]


def wire(text: str) -> str:
    """`text` as it may appear in a URL: non-ASCII and spaces escaped, existing % kept."""
    return quote(text, safe="%/:?&=[]@!$'()*+,;~")


@dataclass
class Case:
    family: str  # inbox | get | form | api
    name: str
    method: str
    path: str  # encoded path and query, sent as is
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    # "refused": must get a 4xx and store nothing; "any": < 500 and, if refused, store
    # nothing; "accepted": a valid request that must get a 2xx/3xx.
    expect: str = "any"


@dataclass(frozen=True)
class Sender:
    """The remote actor whose key signs the inbox cases (a user of a second real node)."""

    actor: str
    key_id: str
    key: KeyObj


@dataclass(frozen=True)
class Target:
    base: str  # http://127.0.0.1:port of the node under test
    username: str  # a local trainer
    object_path: str  # /objects/... of one of their posts
    activity_path: str


# --- inbox ---------------------------------------------------------------------------------

WRONG_VALUES: list[Any] = [
    None,
    0,
    -1,
    1.5,
    True,
    [],
    {},
    [None],
    "",
    "javascript:alert(1)",
    {"id": 5},
    ["x"] * 1000,
    2**70,
]
