"""The API family of the hostile-input corpus: every write route of the Mastodon client API
(POST, PUT, PATCH, DELETE under /api/ and /oauth/, read from the app's router by the caller)
with hostile bodies, path ids and Authorization headers, with a valid token and without.

Each field of a body is, by a seeded draw, either an odd value or a real one (a real client
id, a real status id ...), so the checks past the first refusal are reached too. Every
answer must be below 500, and every refusal Mastodon's `{"error": "..."}` (checked by the
runner, `corpus_runner.py`; `test_corpus_api.py` runs them).
"""

from __future__ import annotations

import base64
import json
import random
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tests.hostile.form_cases import BROKEN_BODIES, URLENCODED
from tests.hostile.generator import WRONG_VALUES, Case, multiplier, odd_strings, wire

JSON = "application/json"
OOB = "urn:ietf:wg:oauth:2.0:oob"
MULTIPART = "multipart/form-data; boundary=hostile"
# What the catch-all `/api/{tail:.*}` stands for: Mastodon write routes not served here.
UNSERVED = {
    "POST": ["v2/media", "v1/polls/1/votes", "v1/statuses/"],
    "PUT": ["v1/media/1", "v1/markers"],
    "PATCH": ["v1/accounts/update_credentials"],
    "DELETE": ["v1/lists/1", "v1/statuses/"],
}
# Path ids: other scripts' digits, sizes no column holds, signs, escapes, NUL.
ODD_IDS = [
    "0",
    "-1",
    "01",
    "1.5",
    "0x1F",
    "1e3",
    "9" * 19,
    "9" * 400,
    "%C2%B2",
    "%D9%A3",
    "%EF%BC%91",
    "%00",
    "1%00",
    "%ff",
    "' OR '1'='1",
    "%E2%80%AE1",
]
# Bodies whose shape is wrong before any field is read.
SHAPES: list[tuple[str, str, bytes]] = [
    ("json array", JSON, b"[]"),
    ("json null", JSON, b"null"),
    ("json string", JSON, b'"status"'),
    ("json number", JSON, b"1e400"),
    ("json truncated", JSON, b'{"status": "a'),
    ("json NaN", JSON, b'{"status": NaN}'),
    ("json BOM", JSON, b'\xef\xbb\xbf{"status": "a"}'),
    ("json utf-16", JSON + "; charset=utf-16", '{"status": "a"}'.encode("utf-16")),
    ("json lone surrogate", JSON, b'{"status": "\\ud800"}'),
    ("json NUL escape", JSON, b'{"status": "a\\u0000b", "client_name": "\\u0000"}'),
    ("json raw NUL", JSON, b'{"status": "a\x00b"}'),
    ("json latin-1", JSON, '{"status": "caf\u00e9"}'.encode("latin-1")),
    ("json deep array", JSON, b'{"status": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    ("json deep object", JSON, b'{"a":' * 5000 + b"1" + b"}" * 5000),
    ("json huge int", JSON, b'{"status": 1' + b"0" * 5000 + b"}"),
    ("json duplicate keys", JSON, b'{"status": "a", "status": ["b"], "status": {"c": 1}}'),
    ("json odd keys", JSON, b'{"\\u0000": 1, "": 2, "status[]": 3, "\\ud83d\\ude00": 4}'),
    ("json many keys", JSON, json.dumps({f"k{i}": i for i in range(20_000)}).encode()),
    ("json 2 MB field", JSON, json.dumps({"status": "a" * 2_000_000}).encode()),
    ("form 2 MB field", URLENCODED, b"status=" + b"a" * 2_000_000),
    ("form arrays", URLENCODED, b"status[]=a&status[]=b&media_ids[]=x&redirect_uris[]=%00"),
    ("form nested", URLENCODED, b"poll[options][]=a&poll[expires_in]=-1&status[a][b]=c"),
    ("empty json", JSON, b""),
    ("empty form", URLENCODED, b""),
]


@dataclass(frozen=True)
class ApiTarget:
    tokens: list[str]  # a trainer's tokens (read write follow push), to spread the rate limit
    app_token: str  # client credentials: no user behind it
    real: dict[str, Any]  # a real value for every field a view reads
    ids: dict[str, str]  # a real path id per route, by template


def _token_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _form(fields: dict[str, Any]) -> bytes:
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            name = f"{key}[]" if isinstance(value, list) else key
            pairs.append((name, "" if one is None else str(one)))
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs).encode()


def _multipart(fields: dict[str, Any]) -> bytes:
    parts = []
    for key, value in fields.items():
        text = str(value).replace("\r", "").replace("--", "")
        parts.append(f'--hostile\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{text}\r\n')
    return ("".join(parts) + "--hostile--\r\n").encode("utf-8", "surrogatepass")


def _json(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields).encode("utf-8", "surrogatepass")


def fill(template: str, real_id: str, value: str | None) -> str:
    """The route's path: its {id} real or `value`, a catch-all tail left to the caller."""

    def one(match: re.Match[str]) -> str:
        return real_id if value is None else value

    return re.sub(r"\{id\}", one, template)


def api_paths(method: str, template: str) -> list[str]:
    if "{tail" in template:
        return ["/api/" + tail for tail in UNSERVED.get(method, [])]
    return [template]


def api_cases(routes: list[tuple[str, str]], target: ApiTarget, rng: random.Random) -> list[Case]:
    """`routes`: (method, path template) of every API write route, from the app's router."""
    odd = odd_strings()
    cases: list[Case] = []
    spent = [0]

    def token() -> str:
        # A new token before the current one reaches the API's 300 calls in five minutes.
        spent[0] += 1
        return target.tokens[(spent[0] // 250) % len(target.tokens)]

    def add(
        name: str, method: str, path: str, kind: str, body: bytes, auth: dict[str, str] | None
    ) -> None:
        headers = dict(auth if auth is not None else _token_header(token()))
        if kind:
            headers["Content-Type"] = kind
        cases.append(Case("api", f"{method} {path[:60]} {name}", method, path, headers, body))

    def mixed(text: Any) -> dict[str, Any]:
        """Every field either `text` or its real value, by a seeded draw."""
        return {k: (text if rng.random() < 0.5 else v) for k, v in target.real.items()}

    # The default profile sends each route half of the odd strings, bodies and shapes (a
    # different half to the next route: together they see them all); the long one, all.
    stride = 1 if multiplier() > 1 else 2
    turn = 0
    for method, template in routes:
        for path_template in api_paths(method, template):
            turn += 1
            half = slice(turn % stride, None, stride)
            path = fill(path_template, target.ids.get(template, "1"), None)
            encodings = [
                ("json", JSON, _json, None),
                ("form", URLENCODED, _form, None),
                ("multipart", MULTIPART, _multipart, None),
                ("json, no token", JSON, _json, {}),
                ("form, app token", URLENCODED, _form, _token_header(target.app_token)),
            ]
            for i, text in list(enumerate(odd))[half]:
                label, kind, encode, auth = encodings[i % len(encodings)]
                add(f"odd {label}", method, path, kind, encode(mixed(text)), auth)
            # Wrong types in JSON: numbers, lists, objects, null where text is read.
            for value in WRONG_VALUES:
                add("wrong type", method, path, JSON, _json(mixed(value)), None)
            # Arrays and objects where text is read, around the real values.
            arrays = {k: [v, v] for k, v in target.real.items()}
            objects = {k: {"v": v} for k, v in target.real.items()}
            add("arrays everywhere", method, path, JSON, _json(arrays), None)
            add("objects everywhere", method, path, JSON, _json(objects), None)
            for name, kind, body in SHAPES[half] + BROKEN_BODIES[half]:
                add(name, method, path, kind, body, None)
            # The token itself odd (a real, valid body).
            good = _json(target.real)
            basic = base64.b64encode(b"\xff\xfe:\x00").decode()
            for header in [
                "Bearer",
                "Bearer  ",
                "bearer " + target.tokens[0],
                "Bearer " + "a" * 5000,
                "Bearer " + target.tokens[0] + " extra",
                "Basic !!!",
                "Basic " + basic,
                "Token " + target.tokens[0],
            ]:
                add("odd Authorization", method, path, JSON, good, {"Authorization": header})
            if "{id}" in template:
                values = [wire(v) for v in ODD_IDS + odd[:: max(1, len(odd) // 8)] if v]
                for i, value in enumerate(values):
                    odd_path = fill(path_template, "", value)
                    add("odd id", method, odd_path, JSON, good, None if i % 4 else {})
            for _ in range((multiplier() - 1) * 30):
                text = "".join(rng.choice(odd) for _ in range(3))
                label, kind, encode, auth = rng.choice(encodings)
                add(f"random {label}", method, path, kind, encode(mixed(text)), auth)
    return cases
