"""The one rule for URLs that come from outside: absolute http(s) with a real host, or nothing.

Every URL a peer sends that may reach a page (an `href`, a `src`) or a JSON answer goes
through `http_url`: when objects and actors are ingested (federation/convert.py, the inbox
handlers, catalogue sync, ingest.py) and again when a page or an answer is built from stored
data (server/templating.py, the JSON of /search), so a URL stored before the rule existed
never becomes a link either. A browser runs `javascript:`, `data:`, `vbscript:` and the like
on our origin when clicked; browsers also strip tabs and newlines and ignore leading spaces
and case when they read a scheme, so anything that is not plainly `http://host` or
`https://host` is refused rather than repaired.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
PREFIXES = ("http://", "https://")
# Our columns hold 2,048 characters; a longer "URL" is not one a person follows.
MAX_URL_CHARS = 2048
# A host name: labels of letters (any script: IDN), digits, "-" and "_", separated by dots.
HOST_RE = re.compile(r"^(?:[^\W_]|[-_])+(?:\.(?:[^\W_]|[-_])+)*\.?$")


def http_url(value: object) -> str | None:
    """`value` itself when it is an absolute http(s) URL with a real host; else None.

    Refused: other schemes (whatever their case or spelling; `HTTPS://` too: no server writes
    it, and what comes out always starts with `http://` or `https://`), scheme-relative `//host`,
    relative references, any whitespace or control character (browsers drop some of them
    silently: `java\\tscript:`), user names and passwords before the host (`https://bank@evil`),
    hosts that are not host names or IP addresses, bad ports, over `MAX_URL_CHARS`.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_URL_CHARS:
        return None
    return _checked(value)


# The same vocabulary concepts, licences and actors recur in every record of a harvest or a
# catalogue page: the answer for a string never changes, so recent ones are remembered
# (urlsplit and the host check were a tenth of rendering a record's OAI metadata).
@lru_cache(maxsize=4096)
def _checked(value: str) -> str | None:
    if _has_control_or_space(value):
        return None
    if not value.startswith(PREFIXES):  # lower case, as every server writes them
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return None
    if parts.scheme not in SCHEMES or "@" in parts.netloc or "\\" in value:
        return None
    return value if _real_host(parts.netloc, parts.hostname) else None


# In ASCII, Unicode's C (control, format) and Z (space) categories are exactly these.
_ASCII_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def _has_control_or_space(value: str) -> bool:
    """Any control, format or space character (browsers drop some silently). One regex for
    the ASCII URLs peers send (a Python loop per character was ~2 % of applying a post)."""
    if value.isascii():
        return _ASCII_CONTROL_OR_SPACE.search(value) is not None
    return any(unicodedata.category(c)[0] in "CZ" for c in value)


def _real_host(netloc: str, hostname: str | None) -> bool:
    if not hostname:
        return False
    if netloc.startswith("["):
        try:
            ipaddress.IPv6Address(hostname)
        except ValueError:
            return False
        return True
    return HOST_RE.match(hostname) is not None


def http_urls(values: object) -> list[str]:
    """The safe ones of a list of URLs (anything else in the list is dropped)."""
    items = values if isinstance(values, list) else [values]
    return [url for url in map(http_url, items) if url is not None]


def origin(value: object) -> tuple[str, str] | None:
    """(scheme, host[:port]) of a safe URL, lower case; None when the URL is not safe. Two
    URLs are on the same origin when both are safe and their origins are equal."""
    url = http_url(value)
    if url is None:
        return None
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def same_origin(a: object, b: object) -> bool:
    """True when `a` and `b` are both safe URLs of the same scheme and host: the check that
    an object belongs to the actor that sent it (`javascript://host/` is on no host)."""
    first = origin(a)
    return first is not None and first == origin(b)
