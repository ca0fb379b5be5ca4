"""The hostile-input corpus: requests that have broken parsers, databases and pages elsewhere,
built from the data files beside this module and a seeded generator.

Three families, each a list of `Case`s:
- `inbox_cases`: bodies (bad JSON, wrong types, huge strings, odd unicode, deep nesting) sent
  unsigned and signed (draft-cavage and RFC 9421), signatures and digests mangled after
  signing, odd content types;
- `get_cases`: every GET route of the running app (read from its router, so a new route is
  covered without editing this file) with odd query strings: unicode digits, huge numbers,
  NULs, broken percent-encoding, repeated parameters, IPv6 brackets ...;
- `form_cases`: every form (sign-in, new post, sign-out) with bad encodings, unknown
  charsets, broken multipart, oversize fields and missing or wrong CSRF tokens.

The default profile is the one CI runs (about two thousand cases, well under a minute);
COMPAGNON_HOSTILE_PROFILE=long multiplies the generated cases (`multiplier()`), drawing more
combinations from the same seeded generator, so a failure can be replayed.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from compagnon.federation.signatures import KeyObj, sign_cavage
from compagnon.federation.signatures_rfc9421 import sign_rfc9421

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
    family: str  # inbox | get | form
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
ACTIVITY_FIELDS = ["type", "id", "actor", "object", "to", "cc", "@context"]
OBJECT_FIELDS = [
    "type",
    "id",
    "content",
    "attributedTo",
    "to",
    "summary",
    "sensitive",
    "url",
    "tag",
    "attachment",
    "inReplyTo",
    "published",
    "contentMap",
    "name",
]
OTHER_TYPES = [
    ["Create"],
    "Delete",
    "Update",
    "Follow",
    "Undo",
    "Announce",
    "Like",
    "Flag",
    "Move",
    "Block",
    "Accept",
    "Reject",
    "Add",
    "Remove",
    "EmojiReact",
    "Unknown",
    ["Create", "Unknown"],
]
RAW_BODIES: list[bytes] = [
    b"",
    b"{",
    b"}",
    b"[",
    b"null",
    b"[]",
    b"1",
    b'"x"',
    b'{"a":}',
    b"\xff\xfe{}",
    b"\xef\xbb\xbf{}",
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"a": 1e999}',
    b'{"a": ' + b"9" * 5000 + b"}",
    b'{"a":"\\ud800"}',
    b'{"a":"\x00"}',
    b"{}" * 1000,
    b'{"type":"Create"}garbage',
    b'{"a":1,"a":2}',
    b"[" * 100 + b"]" * 100,
    b"[" * 2000 + b"]" * 2000,
    b'{"a":' * 600 + b"1" + b"}" * 600,
    b"\x00" * 100,
    b"<html><body>hi</body></html>",
    b"type=Create&actor=x",
    b"[" + b"1," * 50_000 + b"1]",
]
CONTENT_TYPES = [
    "text/plain",
    "application/json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "application/activity+json; charset=klingon",
    "application/activity+json; charset=utf-16",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "*/*",
    "application/activity+json;;;;",
    "a" * 2000,
]


class Builder:
    """Documents and signed requests for one sender and one target."""

    def __init__(self, sender: Sender, target: Target, rng: random.Random) -> None:
        self.sender = sender
        self.target = target
        self.rng = rng
        self.host = sender.actor.split("/users/")[0]
        self.count = 0

    def fresh(self, kind: str) -> str:
        self.count += 1
        return f"{self.host}/{kind}/hostile-{self.count}-{self.rng.getrandbits(32):08x}"

    def create(self, **object_fields: Any) -> dict[str, Any]:
        note = {
            "id": self.fresh("objects"),
            "type": "Note",
            "attributedTo": self.sender.actor,
            "content": "hostile corpus",
            "to": [PUBLIC],
        }
        note.update(object_fields)
        return {
            "@context": AS_CONTEXT,
            "id": self.fresh("activities"),
            "type": "Create",
            "actor": self.sender.actor,
            "to": [PUBLIC],
            "object": note,
        }

    def signed(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = "application/activity+json",
        scheme: str = "cavage",
        now: datetime | None = None,
    ) -> dict[str, str]:
        url = self.target.base + path
        headers = {"Content-Type": content_type}
        sign = sign_rfc9421 if scheme == "rfc9421" else sign_cavage
        headers.update(sign("POST", url, headers, body, self.sender.key_id, self.sender.key, now))
        return headers


def _dumps(doc: Any) -> bytes:
    try:
        return orjson.dumps(doc)
    except TypeError:  # integers over 64 bits: the stdlib writes them
        return json.dumps(doc).encode()


def _mangled_signatures(headers: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """Signature and Digest headers broken after signing: every one must get a 4xx."""
    sig = headers["Signature"]
    key_id = re.search(r'keyId="([^"]*)"', sig)
    assert key_id is not None

    def swap(name: str, value: str | None) -> dict[str, str]:
        changed = dict(headers)
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
        return changed

    yield "no signature", swap("Signature", None)
    for value in [
        "",
        "garbage",
        'keyId="x"',
        sig + "," + sig,
        sig.replace('signature="', 'signature="!!!'),
        re.sub(r'signature="[^"]*"', 'signature="' + "A" * 344 + '"', sig),
        sig.replace("rsa-sha256", "hmac-sha256"),
        sig.replace("rsa-sha256", "rsa-sha1"),
        re.sub(r'headers="[^"]*"', 'headers=""', sig),
        re.sub(r'headers="[^"]*"', 'headers="date"', sig),
        re.sub(r'headers="[^"]*"', 'headers="(request-target) x-nope"', sig),
        sig.replace(key_id.group(1), NOWHERE + "/users/x#main-key"),
        sig.replace(key_id.group(1), "http://[::1"),
        sig.replace(key_id.group(1), "not a url"),
        sig.replace(key_id.group(1), key_id.group(1) + "-nope"),
        sig.replace(key_id.group(1), key_id.group(1).split("#")[0] + "#" + "k" * 10_000),
        sig + ',created="soon",expires="never"',
        sig + ",created=99999999999999999999",
        'keyId="' + "\u00e9" + '"',
        sig.replace('"', ""),
        sig.replace(",", ";"),
        "Signature " + sig,
        sig + "," + "x=" * 2000,
    ]:
        yield "signature", swap("Signature", value)
    for value in [
        "",
        "yesterday",
        "0",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ]:
        yield "date", swap("Date", value)
    yield "no digest", swap("Digest", None)
    for value in [
        "",
        "SHA-256=",
        "SHA-256=!!!",
        "MD5=abc",
        "SHA-256=" + base64.b64encode(b"\x00" * 32).decode(),
        "SHA-256=a,SHA-512=b",
        "sha-256=" + headers.get("Digest", "=x").split("=", 1)[1] + "x",
        "SHA-256=" + "A" * 100_000,
    ]:
        yield "digest", swap("Digest", value)
    yield "host", swap("Host", "evil.example")


def _mangled_rfc9421(headers: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    def swap(name: str, value: str | None) -> dict[str, str]:
        changed = dict(headers)
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
        return changed

    for value in [
        "",
        "sig1=",
        "sig1=(",
        'sig1=("@method");keyid=1',
        'sig1=("@method" "@target-uri");alg="nope";keyid="x"',
        headers["Signature-Input"].replace("created=", "created=9"),
        '"sig1"=("@method")',
        "sig1=" + "(" * 500,
    ]:
        yield f"Signature-Input {value[:30]!r}", swap("Signature-Input", value)
    for value in ["", "sig1=abc", "sig1=:!!!:", "sig1=:" + "A" * 10_000 + ":", "sig1=?1"]:
        yield f"Signature {value[:30]!r}", swap("Signature", value)
    for digest in [
        None,
        "",
        "sha-256=:AAAA:",
        "md5=:AAAA:",
        "sha-256=abc",
        "sha-512=:" + "A" * 88 + ":",
    ]:
        yield f"Content-Digest {digest!r:.30}", swap("Content-Digest", digest)


def inbox_cases(sender: Sender, target: Target, rng: random.Random) -> list[Case]:
    b = Builder(sender, target, rng)
    paths = ["/inbox", f"/users/{target.username}/inbox", "/actor/inbox"]
    odd = odd_strings()
    cases: list[Case] = []

    def signed_case(name: str, doc: Any, expect: str = "any") -> None:
        path = paths[len(cases) % len(paths)]
        body = _dumps(doc)
        scheme = "rfc9421" if len(cases) % 4 == 3 else "cavage"
        headers = b.signed(path, body, scheme=scheme)
        cases.append(Case("inbox", f"signed {name}", "POST", path, headers, body, expect))

    # Unsigned: whatever the body, a 4xx and nothing stored.
    for i, raw in enumerate(RAW_BODIES):
        for path in paths:
            headers = {"Content-Type": "application/activity+json"}
            cases.append(Case("inbox", f"unsigned raw {i}", "POST", path, headers, raw, "refused"))
    for field_name in ACTIVITY_FIELDS:
        for value in WRONG_VALUES:
            doc = b.create()
            doc[field_name] = value
            path = paths[len(cases) % len(paths)]
            headers = {"Content-Type": "application/activity+json"}
            cases.append(
                Case(
                    "inbox", f"unsigned {field_name}", "POST", path, headers, _dumps(doc), "refused"
                )
            )
    # Signed with a valid signature: the body reaches parsing, authorisation and storage.
    for i, raw in enumerate(RAW_BODIES[:-3]):
        path = paths[i % len(paths)]
        cases.append(Case("inbox", f"signed raw {i}", "POST", path, b.signed(path, raw), raw))
    for field_name in ACTIVITY_FIELDS:
        for value in WRONG_VALUES:
            doc = b.create()
            doc[field_name] = value
            signed_case(f"activity {field_name}={str(value)[:20]}", doc)
    for field_name in OBJECT_FIELDS:
        for value in [
            *WRONG_VALUES,
            rng.choice(odd),
            {"href": 1},
            [{"type": "Link", "href": "javascript:x"}],
        ]:
            signed_case(f"object {field_name}", b.create(**{field_name: value}))
    for text in odd:
        signed_case("odd content", b.create(content=text, summary=text, name=text))
    for kind in OTHER_TYPES:
        doc = b.create()
        doc["type"] = kind
        signed_case(f"type {kind}", doc)
        doc = b.create()
        doc["type"] = kind
        doc["object"] = NOWHERE + "/objects/1"
        signed_case(f"type {kind} by reference", doc)
    for text in ["a" * 200_000, "\u00e9" * 60_000, "<p>" * 20_000]:
        signed_case("huge string", b.create(content=text))
    for kind in CONTENT_TYPES:
        path = paths[len(cases) % len(paths)]
        body = _dumps(b.create())
        headers = b.signed(path, body, content_type=kind)
        cases.append(Case("inbox", f"content type {kind[:40]}", "POST", path, headers, body))
    # Signatures and digests broken after signing: always a 4xx.
    for path in paths:
        body = _dumps(b.create())
        for name, headers in _mangled_signatures(b.signed(path, body)):
            cases.append(Case("inbox", f"mangled {name}", "POST", path, headers, body, "refused"))
        for name, headers in _mangled_rfc9421(b.signed(path, body, scheme="rfc9421")):
            cases.append(Case("inbox", f"rfc9421 {name}", "POST", path, headers, body, "refused"))
    stale = datetime.now(UTC) - timedelta(hours=3)
    body = _dumps(b.create())
    cases.append(
        Case(
            "inbox",
            "stale date",
            "POST",
            "/inbox",
            b.signed("/inbox", body, now=stale),
            body,
            "refused",
        )
    )
    # Over the body cap: 413, nothing read further.
    body = _dumps(b.create(content="a" * 1_100_000))
    cases.append(
        Case("inbox", "over the cap", "POST", "/inbox", b.signed("/inbox", body), body, "refused")
    )

    cases.extend(deep_and_large_cases(b))

    # Long profile: more combinations of the same ingredients.
    for _ in range((multiplier() - 1) * 60):
        doc = b.create()
        for _ in range(rng.randint(1, 3)):
            where = doc if rng.random() < 0.4 else doc["object"]
            if isinstance(where, dict):
                names = ACTIVITY_FIELDS if where is doc else OBJECT_FIELDS
                where[rng.choice(names)] = rng.choice([*WRONG_VALUES, rng.choice(odd)])
        signed_case("random", doc)
    return cases


def deep_and_large_cases(b: Builder) -> list[Case]:
    """Issue 8 items 2 and 3: a signed activity nested deeper than orjson writes (it failed
    its whole batch with 503) is refused alone; a valid Create far over the 256 KiB aiohttp
    buffers before the view reads (it was cut there and refused as "not JSON") is accepted."""
    cases = []
    for depth in [300, 1000]:
        # Written as text: neither orjson nor the stdlib serialises nesting this deep.
        nested = b"[" * depth + b'"bottom"' + b"]" * depth
        body = _dumps(b.create(content="deep", **{"x:deep": "DEEP"})).replace(b'"DEEP"', nested)
        cases.append(
            Case(
                "inbox",
                f"signed nesting {depth} deep",
                "POST",
                "/inbox",
                b.signed("/inbox", body),
                body,
                "refused",
            )
        )
    # 900 KB: well past what aiohttp buffers before the view reads (a body near 256 KiB is
    # sometimes read whole, so it would pass or fail by timing).
    for size in [900_000]:
        body = _dumps(b.create(content="a" * size))
        cases.append(
            Case(
                "inbox",
                f"valid signed Create of {size} bytes",
                "POST",
                "/inbox",
                b.signed("/inbox", body),
                body,
                "accepted",
            )
        )
    return cases


# --- GET routes ----------------------------------------------------------------------------

QUERY_NAMES = [
    "page",
    "max_id",
    "min_id",
    "resource",
    "q",
    "before",
    "eqf",
    "lang",
    "field",
    "type",
    "licence",
    "competence",
    "rel",
    "x",
]
# Numbers scripts' digits and sizes no column holds, broken escapes, an unclosed IPv6 bracket.
SHARP = ["%C2%B2", "%E2%91%A0", "%D9%A3", "9" * 20, "9" * 5000, "-1", "%00", "%ff", "http://[::1"]
ACCEPTS = ["text/html", "application/activity+json", "application/json", "*/*", "\u00e9/\u00e9"]


def fill_path(template: str, target: Target, value: str) -> str:
    """A route's path with every {name} replaced: by something real, or by `value`."""
    real = {
        "username": target.username,
        "object_id": target.object_path.rsplit("/", 1)[-1],
        "activity_id": target.activity_path.rsplit("/", 1)[-1],
        "filename": "site.css",
    }

    def one(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return wire(value) if value else real.get(name, "x")

    return re.sub(r"\{([^}]+)\}", one, template)


def get_cases(routes: list[str], target: Target, rng: random.Random) -> list[Case]:
    """`routes`: the GET path templates of the app, read from its router by the caller."""
    values = query_values()
    odd = [wire(s) for s in odd_strings() if s]
    cases: list[Case] = []
    for template in routes:
        # Odd path parameters, with real ones otherwise.
        if "{" in template:
            for text in odd[:: max(1, len(odd) // 12)]:
                cases.append(
                    Case("get", f"{template} odd path", "GET", fill_path(template, target, text))
                )
        path = fill_path(template, target, "")
        # Every value in every parameter at once: a view that reads one parameter meets it.
        for i, value in enumerate(values):
            query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
            headers = {"Accept": ACCEPTS[i % len(ACCEPTS)]}
            cases.append(
                Case("get", f"{template} all ={value[:20]}", "GET", f"{path}?{query}", headers)
            )
        # The sharpest values alone in each parameter (a view that checks several in turn
        # would refuse the first and never read the others), some repeated.
        for name in QUERY_NAMES:
            for i, value in enumerate(SHARP):
                query = f"{name}={value}" + (f"&{name}=1" if i % 2 else "")
                headers = {"Accept": ACCEPTS[i % len(ACCEPTS)]}
                cases.append(Case("get", f"{template} ?{name}", "GET", f"{path}?{query}", headers))
        cases.append(Case("get", f"{template} bare ?", "GET", f"{path}?"))
        cases.append(Case("get", f"{template} only &", "GET", f"{path}?&&&=&=="))
        cases.append(Case("get", f"{template} no =", "GET", f"{path}?page&max_id&resource"))
        for _ in range((multiplier() - 1) * 40):
            params = "&".join(
                f"{rng.choice(QUERY_NAMES)}={rng.choice([*values, *odd])}"
                for _ in range(rng.randint(1, 4))
            )
            headers = {"Accept": rng.choice(ACCEPTS)}
            cases.append(Case("get", f"{template} random", "GET", f"{path}?{params}", headers))
    return cases


# --- forms ---------------------------------------------------------------------------------

URLENCODED = "application/x-www-form-urlencoded"


def _urlencoded(fields: dict[str, str]) -> bytes:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in fields.items()).encode()


def _multipart(fields: dict[str, str], boundary: str = "hostile") -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


BROKEN_BODIES: list[tuple[str, str, bytes]] = [
    # (name, content type, body); each gets a 4xx
    ("raw latin-1", URLENCODED, "content=caf\u00e9&visibility=public".encode("latin-1")),
    ("escaped latin-1", URLENCODED, b"content=caf%E9&visibility=public"),
    ("lone surrogate escape", URLENCODED, b"content=%ED%A0%80"),
    ("unknown charset", URLENCODED + "; charset=klingon", b"content=a"),
    ("utf-16", URLENCODED + "; charset=utf-16", "content=a".encode("utf-16")),
    ("latin-1 charset", URLENCODED + "; charset=latin-1", b"content=a"),
    ("utf-7", URLENCODED + "; charset=utf-7", b"content=+AGE-"),
    ("quoted charset", URLENCODED + '; charset="klingon"', b"content=a"),
    ("multipart without boundary", "multipart/form-data", _multipart({"content": "a"})),
    ("multipart empty boundary", "multipart/form-data; boundary=", _multipart({"content": "a"})),
    (
        "multipart wrong boundary",
        "multipart/form-data; boundary=other",
        _multipart({"content": "a"}),
    ),
    (
        "multipart truncated",
        "multipart/form-data; boundary=hostile",
        _multipart({"content": "a"})[:-10],
    ),
    ("multipart garbage", "multipart/form-data; boundary=hostile", b"garbage"),
    ("multipart long boundary", "multipart/form-data; boundary=" + "b" * 200, b"--b\r\n"),
    (
        "multipart bad part header",
        "multipart/form-data; boundary=hostile",
        b"--hostile\r\nno colon here\r\n\r\na\r\n--hostile--\r\n",
    ),
    (
        "multipart part charset",
        "multipart/form-data; boundary=hostile",
        b"--hostile\r\nContent-Type: text/plain; charset=klingon\r\n"
        b'Content-Disposition: form-data; name="content"\r\n\r\na\r\n--hostile--\r\n',
    ),
    (
        "multipart latin-1 part",
        "multipart/form-data; boundary=hostile",
        b'--hostile\r\nContent-Disposition: form-data; name="content"\r\n\r\n'
        b"caf\xe9\r\n--hostile--\r\n",
    ),
    (
        "multipart file",
        "multipart/form-data; boundary=hostile",
        b'--hostile\r\nContent-Disposition: form-data; name="content"; filename="x.sh"\r\n\r\n'
        b"#!/bin/sh\r\n--hostile--\r\n",
    ),
    (
        "multipart nameless",
        "multipart/form-data; boundary=hostile",
        b"--hostile\r\nContent-Disposition: form-data\r\n\r\na\r\n--hostile--\r\n",
    ),
    ("text/plain", "text/plain", b"content=a"),
    ("json", "application/json", b'{"content": "a"}'),
    ("no content type", "", b"content=a"),
    ("oversize", URLENCODED, b"content=" + b"a" * 200_000),
    (
        "oversize multipart",
        "multipart/form-data; boundary=hostile",
        _multipart({"content": "a" * 200_000}),
    ),
    ("too many fields", URLENCODED, "&".join(f"f{i}=1" for i in range(200)).encode()),
]


@dataclass(frozen=True)
class FormTarget:
    path: str
    fields: Callable[[str, str], dict[str, str]]  # (odd text, csrf token) -> fields
    csrf: str  # a valid token for the cookies the runner sends
    cookies: str


def form_cases(forms: list[FormTarget], rng: random.Random) -> list[Case]:
    odd = odd_strings()
    cases: list[Case] = []
    for form in forms:
        headers = {"Cookie": form.cookies}

        def add(
            name: str,
            content_type: str,
            body: bytes,
            expect: str,
            h: dict[str, str] = headers,
            path: str = form.path,
        ) -> None:
            sent = dict(h)
            if content_type:
                sent["Content-Type"] = content_type
            cases.append(Case("form", f"{path} {name}", "POST", path, sent, body, expect))

        for text in odd:
            add("odd field", URLENCODED, _urlencoded(form.fields(text, form.csrf)), "any")
            add(
                "odd multipart",
                "multipart/form-data; boundary=hostile",
                _multipart(form.fields(text.replace("\r", "").replace("--", ""), form.csrf)),
                "any",
            )
            add("odd csrf", URLENCODED, _urlencoded(form.fields("a", text)), "refused")
        add(
            "no csrf",
            URLENCODED,
            _urlencoded({k: v for k, v in form.fields("a", "").items() if k != "csrf"}),
            "refused",
        )
        add("no cookies", URLENCODED, _urlencoded(form.fields("a", form.csrf)), "any", {})
        add("oversize field", URLENCODED, _urlencoded(form.fields("a" * 100_000, form.csrf)), "any")
        for name, content_type, body in BROKEN_BODIES:
            add(name, content_type, body, "refused")
        for _ in range((multiplier() - 1) * 30):
            text = "".join(rng.choice(odd) for _ in range(3))
            token = form.csrf if rng.random() < 0.7 else rng.choice(odd)
            add("random", URLENCODED, _urlencoded(form.fields(text, token)), "any")
    return cases
