"""Outbound HTTP for federation: the client, the SSRF guard, signed GET and signed POST.

This module owns:
- ``make_http_client``: httpx's API over aiohttp's transport (DESIGN.md §10: 1,650 requests/s
  with 32 in flight, against 250/s for httpx's default transport), with Mastodon's limits;
- ``check_address``: the SSRF guard run before every request and every redirect hop;
- ``fetch_document``: GET an ActivityPub document (signed when a signer is given), following at
  most a few redirects by hand, with a size cap, a nesting-depth cap and the "id equals URL"
  rule;
- ``describe_error``: a readable reason for a network failure;
- ``FetchError``: the only exception these raise for anything the network or the peer did.

Signing is passed in (``Signer``), so this module knows nothing of keys.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import aiohttp
import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

from compagnon.federation.json_limits import DEFAULT_MAX_DEPTH, storage_problem

# (method, url, headers about to be sent, body) -> headers to add (Date, Digest, Signature ...).
Signer = Callable[[str, str, Mapping[str, str], bytes | None], dict[str, str]]

DEFAULT_ACCEPT: Final = (
    "application/activity+json, "
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
)
DEFAULT_TOTAL_TIMEOUT: Final = 30.0
# jrd+json: WebFinger answers, fetched through fetch_document with check_id=False.
_JSON_MEDIA_TYPES: Final = frozenset(
    {"application/activity+json", "application/ld+json", "application/json", "application/jrd+json"}
)
_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
# Everything the network, the peer or a malformed URL can make httpx/aiohttp raise.
_NETWORK_ERRORS: Final = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, aiohttp.ClientError,
                          OSError, TimeoutError, UnicodeError)  # fmt: skip


class FetchError(Exception):
    """A request that did not give a usable answer; ``reason`` is readable by an admin.

    ``url`` is the URL the caller asked for (a redirect hop that failed is named in
    ``reason``); ``status`` is the HTTP status of a non-2xx answer, else None (410: the peer
    says the thing is gone for good).
    """

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class FederationClient(httpx.AsyncClient):
    """An httpx client that also carries the time limit for a whole request.

    httpx only limits each phase (connect, read, write); a peer trickling one byte every
    nine seconds would otherwise hold a worker forever.
    """

    def __init__(self, *, total_timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.total_timeout = total_timeout


def make_http_client(
    *,
    connect_timeout: float = 5.0,
    read_timeout: float = 10.0,
    write_timeout: float = 10.0,
    total_timeout: float = 30.0,
    max_connections: int = 100,
    user_agent: str,
) -> httpx.AsyncClient:
    """The outbound client: Mastodon's limits (5 s connect, 10 s read/write, 30 s in all).

    Redirects are not followed by httpx: fetch_document follows them itself so it can check each
    hop's address. Proxy and certificate settings from the environment are ignored
    (trust_env=False): the address check must be about the host we really connect to.
    The aiohttp transport enforces connect and read timeouts but has no write timeout of its
    own; the total limit covers a stalled upload.
    """
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    # pool: the transport maps it to aiohttp's "get a connection" limit; waiting for a free
    # connection under fan-out is normal and bounded by the total limit, not the connect one.
    timeout = httpx.Timeout(
        connect=connect_timeout, read=read_timeout, write=write_timeout, pool=total_timeout
    )
    return FederationClient(
        total_timeout=total_timeout,
        transport=AiohttpTransport(limits=limits, trust_env=False),
        timeout=timeout,
        follow_redirects=False,
        # Also keeps every request on the aiohttp transport: with trust_env, an HTTP(S)_PROXY
        # variable makes httpx mount its own, slower transport for proxied URLs.
        trust_env=False,
        headers={"User-Agent": user_agent},
    )


def _total_timeout(client: httpx.AsyncClient) -> float:
    if isinstance(client, FederationClient):
        return client.total_timeout
    return DEFAULT_TOTAL_TIMEOUT


# --- SSRF guard --------------------------------------------------------------------------

_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")
# Not special in every Python's ipaddress tables (3.11.7 calls fec0::/10 global), or too
# important to leave to them.
_ALWAYS_FORBIDDEN: Final = tuple(
    ipaddress.ip_network(net)
    for net in ("100.64.0.0/10", "169.254.0.0/16", "fec0::/10", "fc00::/7", "64:ff9b:1::/48")
)

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


def is_forbidden_address(ip: IPAddress) -> bool:
    """True for any address that is not a plain public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            # Judge the IPv4 address a NAT64/6to4 gateway would really connect to.
            return is_forbidden_address(embedded)
    if any(ip.version == net.version and ip in net for net in _ALWAYS_FORBIDDEN):
        return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _host_and_port(url: str) -> tuple[str, int]:
    """Parse the way httpx will (a second parser could disagree: a classic SSRF bypass)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, UnicodeError, TypeError) as exc:
        raise FetchError(url, f"not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(url, f"scheme {parsed.scheme or '(none)'!r} is not http or https")
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise FetchError(url, "the URL has no host")
    return host, parsed.port or (443 if parsed.scheme == "https" else 80)


async def _resolve(url: str, host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]  # a literal address: no DNS
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve {host}: {exc}") from None
    # sockaddr[0] may carry an IPv6 scope ("fe80::1%eth0"); the address is what matters.
    found = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not found:
        raise FetchError(url, f"{host} resolves to no address")
    return found


async def check_address(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that are not http(s), have no host, or reach a non-public address.

    Every address the host resolves to must be public: a name with one private address among
    public ones is refused. ``allow_private`` (tests, local federations) skips resolution.
    """
    host, port = _host_and_port(url)
    if allow_private:
        return
    for ip in await _resolve(url, host, port):
        if is_forbidden_address(ip):
            raise FetchError(url, f"{host} is {ip}, not a public address (SSRF guard)")


# --- requests ----------------------------------------------------------------------------


def _hop_error(origin: str, hop: str, reason: str, status: int | None = None) -> FetchError:
    where = "" if hop == origin else f" (at {hop})"
    return FetchError(origin, reason + where, status)


async def _send_signed(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    signer: Signer | None,
) -> httpx.Response:
    """Send one request, streamed; the signer sees the headers httpx will really send."""
    request = client.build_request(method, url, headers=headers, content=body)
    if signer is not None:
        request.headers.update(signer(method, url, dict(request.headers), body))
    return await client.send(request, stream=True, follow_redirects=False)


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, or FetchError as soon as it passes ``max_bytes``."""
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(str(response.url), f"body over {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(str(response.url), f"body over {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _redirect_target(response: httpx.Response, hop: str) -> str | None:
    if response.status_code not in _REDIRECT_STATUSES:
        return None
    location = response.headers.get("location")
    if not location:
        raise FetchError(hop, f"redirect ({response.status_code}) without Location")
    return str(httpx.URL(hop).join(location))


def _check_answer(response: httpx.Response, hop: str) -> None:
    status = response.status_code
    if not 200 <= status < 300:
        reason = "gone (HTTP 410)" if status == 410 else f"HTTP {status}"
        raise FetchError(hop, reason, status)
    media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in _JSON_MEDIA_TYPES:
        raise FetchError(hop, f"content type {media_type or '(none)'!r} is not JSON")


def _parse_document(body: bytes, hop: str, rules: _GetRules) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FetchError(hop, f"invalid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise FetchError(hop, f"JSON is a {type(doc).__name__}, not an object")
    # A document we could not store (too deep for orjson to write back, a NUL PostgreSQL
    # refuses) is refused here, as the fetch's failure, not later as a failed transaction.
    problem = storage_problem(doc, rules.max_depth, body)
    if problem:
        raise FetchError(hop, f"document refused: {problem}")
    check_id = rules.check_id
    if check_id and doc.get("id") != hop:
        shown = repr(doc.get("id"))[:200]  # a hostile id can be a megabyte long
        raise FetchError(hop, f"document id {shown} is not the URL fetched")
    return doc


@dataclass(frozen=True)
class _GetRules:
    """What fetch_document was asked for, handed down to each hop."""

    signer: Signer | None
    allow_private: bool
    max_bytes: int
    max_redirects: int
    accept: str
    check_id: bool
    max_depth: int


@dataclass(frozen=True)
class Fetched:
    """A fetched document and the size of the body it was read from (what a walk of many
    pages counts against its byte budget, without writing the document again)."""

    doc: dict[str, Any]
    size: int


async def _get_once(client: httpx.AsyncClient, hop: str, rules: _GetRules) -> str | Fetched:
    """One GET: the next URL for a redirect, else the document."""
    await check_address(hop, allow_private=rules.allow_private)
    headers = {"Accept": rules.accept}
    response = await _send_signed(client, "GET", hop, headers, None, rules.signer)
    try:
        target = _redirect_target(response, hop)
        if target is not None:
            return target
        _check_answer(response, hop)
        body = await _read_capped(response, rules.max_bytes)
    finally:
        await response.aclose()
    return Fetched(_parse_document(body, hop, rules), len(body))


async def _follow(client: httpx.AsyncClient, url: str, rules: _GetRules) -> Fetched:
    hop = url
    for _ in range(rules.max_redirects + 1):
        try:
            answer = await _get_once(client, hop, rules)
        except FetchError as exc:
            raise _hop_error(url, hop, exc.reason, exc.status) from None
        except _NETWORK_ERRORS as exc:
            raise _hop_error(url, hop, describe_error(exc)) from None
        if isinstance(answer, Fetched):
            return answer
        hop = answer
    raise FetchError(url, f"more than {rules.max_redirects} redirects")


def describe_error(exc: BaseException) -> str:
    """A readable reason. httpx-aiohttp wraps aiohttp's error and maps a refused connection
    to httpx.ConnectTimeout, so the original cause is the one to describe."""
    cause = exc.__cause__ if isinstance(exc.__cause__, aiohttp.ClientError) else exc
    if isinstance(cause, httpx.TimeoutException | TimeoutError):
        return f"timed out ({type(cause).__name__})"
    if isinstance(cause, aiohttp.ClientConnectorError | httpx.ConnectError):
        return f"cannot connect: {cause}"
    return f"network error: {type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__


async def fetch_document(
    client: httpx.AsyncClient,
    url: str,
    *,
    signer: Signer | None,
    allow_private: bool,
    max_bytes: int = 1_000_000,
    max_redirects: int = 3,
    accept: str = DEFAULT_ACCEPT,
    check_id: bool = True,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Fetched:
    """GET an ActivityPub document, with the size of its body; raises FetchError for anything
    but a usable object.

    Each hop is address-checked and (with a signer) signed; at most ``max_redirects``
    redirects; the body is streamed and cut at ``max_bytes``; the answer must be 2xx JSON
    (activity+json, ld+json, json, jrd+json) holding an object whose ``id`` equals the final
    URL (``check_id=False`` only for documents without ids, such as WebFinger's), nested no
    deeper than ``max_depth`` and free of what storage refuses (json_limits.py).
    """
    rules = _GetRules(signer, allow_private, max_bytes, max_redirects, accept, check_id, max_depth)
    limit = _total_timeout(client)
    try:
        async with asyncio.timeout(limit):
            return await _follow(client, url, rules)
    except TimeoutError:
        raise FetchError(url, f"no complete answer within {limit:g} s") from None
