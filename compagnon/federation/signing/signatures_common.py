"""What both HTTP signature schemes share: the error, the result, the request as seen, and checks.

This module owns `SignatureError` and `VerifiedSignature`, the normalised view of an incoming
request (case-insensitive headers, URL parts), the clock and body-digest checks, and the
"look the key up, on failure refetch it once" rule. `signatures.py` (draft-cavage) and
`signatures_rfc9421.py` build on it; callers import everything from `signatures.py`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal
from urllib.parse import SplitResult, urlsplit

from compagnon.federation.signing.keys import KeyLookup, PubKey, PublicKeyInfo

# A signer's `expires` is honoured with this much leeway for clock differences between nodes.
CLOCK_SKEW = 300

_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_DIGESTS: dict[str, Callable[[bytes], bytes]] = {
    "sha-256": lambda body: hashlib.sha256(body).digest(),
    "sha-512": lambda body: hashlib.sha512(body).digest(),
}


class SignatureError(Exception):
    """A request signature cannot be accepted; `reason` is meant for the sending node's admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedSignature:
    """Who signed: the key and its owner (the inbox checks the owner against the actor)."""

    key_id: str
    owner: str
    scheme: Literal["draft-cavage", "rfc9421"]


@dataclass(frozen=True)
class RequestView:
    """An incoming request as the verifier sees it; header names are lower-case."""

    method: str
    url: str
    parts: SplitResult
    headers: dict[str, str]
    body: bytes

    @property
    def authority(self) -> str:
        return authority_of(self.parts)

    @property
    def path(self) -> str:
        return self.parts.path or "/"

    @property
    def path_and_query(self) -> str:
        return self.path + (f"?{self.parts.query}" if self.parts.query else "")


def request_view(method: str, url: str, headers: Mapping[str, str], body: bytes) -> RequestView:
    """Normalise the request once; SignatureError if the URL or a header is unusable."""
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise SignatureError(f"the request method {method!r} is not an HTTP method")
    try:
        parts = urlsplit(url)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"the request URL cannot be parsed: {exc}") from exc
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.netloc:
        raise SignatureError(f"the request URL {url!r} is not an absolute http(s) URL")
    return RequestView(method, url, parts, normalise_headers(headers), bytes(body or b""))


def normalise_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case names; repeated fields joined by ", " in order (both specs say so)."""
    result: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise SignatureError("header names and values must be text")
        key = name.strip().lower()
        text = (_unfold(value) if "\n" in value else value).strip(" \t")
        result[key] = f"{result[key]}, {text}" if key in result else text
    return result


def _unfold(value: str) -> str:
    """Replace each obs-fold (OWS CRLF RWS, RFC 9112 §5.2) with one space, in linear time
    (a regular expression with leading OWS backtracks quadratically on long blank runs)."""
    lines = value.split("\n")
    pieces = [lines[0]]
    for line in lines[1:]:
        if line[:1] in (" ", "\t"):
            pieces[-1] = pieces[-1].rstrip(" \t\r")
            pieces.append(" " + line.lstrip(" \t"))
        else:
            pieces.append("\n" + line)  # not a fold: kept, so single_line() refuses it if signed
    return "".join(pieces)


def authority_of(parts: SplitResult) -> str:
    """host[:port], lower-case, without userinfo or the scheme's default port."""
    host = parts.netloc.rpartition("@")[2].lower()
    default = _DEFAULT_PORTS.get(parts.scheme.lower())
    if default and host.endswith(f":{default}"):
        host = host[: -len(default) - 1]
    return host


def single_line(name: str, value: str) -> str:
    """Refuse values that would add a line to a signing string (header injection)."""
    if "\n" in value or "\r" in value:
        raise SignatureError(f"{name} contains a line break")
    return value


def decode_base64(text: str, what: str) -> bytes:
    try:
        # Non-ASCII text makes b64decode raise a plain ValueError, not binascii.Error.
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise SignatureError(f"{what} is not valid base64") from exc


def encode_text(text: str, what: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SignatureError(f"{what} is not valid text") from exc


def as_utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def format_http_date(moment: datetime) -> str:
    return format_datetime(as_utc(moment), usegmt=True)


def parse_http_date(value: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise SignatureError(f"Date {value!r} is not an HTTP date") from exc
    return as_utc(parsed)


def human_duration(seconds: float) -> str:
    """A span an admin reads at a glance: "40 s", "12 min", "2 h", "3 days"."""
    seconds = abs(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def check_moment(what: str, moment: datetime, now: datetime, max_age: int) -> None:
    """`moment` (a Date or `created`) must lie within max_age seconds of now, either way."""
    age = (now - moment).total_seconds()
    if age > max_age:
        limit = human_duration(max_age)
        raise SignatureError(f"{what} is {human_duration(age)} old (limit {limit})")
    if -age > max_age:
        limit = human_duration(max_age)
        raise SignatureError(f"{what} is {human_duration(age)} in the future (limit {limit})")


def check_expires(expires: float, now: datetime) -> None:
    late = now.timestamp() - expires
    if late > CLOCK_SKEW:
        raise SignatureError(f"the signature expired {human_duration(late)} ago")


def unix_time(value: float, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SignatureError(f"{what} {value} is not a usable time") from exc


def check_body_digest(header: str, offered: Sequence[tuple[str, bytes]], body: bytes) -> None:
    """Every SHA-256/SHA-512 digest offered must match the body; at least one must be offered."""
    known = [(name.lower(), value) for name, value in offered if name.lower() in _DIGESTS]
    if not known:
        names = ", ".join(name for name, _ in offered) or "nothing"
        raise SignatureError(f"{header} offers {names}; we accept SHA-256 or SHA-512")
    for name, value in known:
        if not hmac.compare_digest(_DIGESTS[name](body), value):
            raise SignatureError(f"{header} {name.upper()} does not match the body")


# Tries a signature against one public key: None when it verifies, else why it did not.
Attempt = Callable[[PubKey], str | None]


async def verify_with_key(key_id: str, key_lookup: KeyLookup, attempt: Attempt) -> PublicKeyInfo:
    """Verify with the known key; on failure refetch the key once (it may have rotated)."""
    info = await key_lookup(key_id, False)
    if info is None:
        raise SignatureError(f"unknown key {key_id!r}")
    failure = attempt(info.public_key)
    if failure is None:
        return info
    fresh = await key_lookup(key_id, True)
    if fresh is not None and fresh.public_key != info.public_key:
        failure = attempt(fresh.public_key)
        if failure is None:
            return fresh
    raise SignatureError(f"{failure} (key {key_id!r})")
