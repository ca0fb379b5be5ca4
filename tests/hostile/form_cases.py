"""The form family of the hostile-input corpus: every form with broken bodies."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from tests.hostile.generator import (
    Case,
    multiplier,
    odd_strings,
)

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
