"""The delivery POST: aiohttp's client directly, not httpx.

Every other request (fetching actors, objects, WebFinger, outbox pages) goes through httpx
(fetch.py). Deliveries are the one path where the client's own cost shows: a resource fanned
out to 1,000 inboxes. Measured here (bench/README.md, what-if "aiohttp"): httpx over the
aiohttp transport took 2.25 s for that fan-out, aiohttp's ClientSession 1.60 s; DESIGN.md
§10 measured 1,650 against 5,000 POSTs/s. httpx adds its own request and response objects
over the same transport, and a delivery needs nothing they offer.

The rules are the ones of fetch.py: the SSRF guard before the request, no redirects,
Mastodon's timeouts (5 s connect, 10 s read, 30 s in all), at most 64 KiB of the answer read,
environment proxies ignored, and FetchError for anything the network or the peer did.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

import aiohttp

from compagnon.federation.fetch import (
    DEFAULT_ACCEPT,
    FetchError,
    Signer,
    check_address,
    describe_error,
)

# An inbox's answer to a POST is only read for logs and Retry-After: never hold much of it.
MAX_ANSWER_BYTES: Final = 65_536


@dataclass(frozen=True)
class PostAnswer:
    status: int
    retry_after: str | None
    text: str  # at most MAX_ANSWER_BYTES of the answer, for the delivery's log


class DeliveryClient:
    """One aiohttp session (a pool of keep-alive connections) for every delivery of a node.

    Created lazily, inside the running event loop that will use it; closed with aclose().
    """

    def __init__(
        self,
        *,
        user_agent: str,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        total_timeout: float = 30.0,
        max_connections: int = 100,
    ) -> None:
        self.user_agent = user_agent
        self.total_timeout = total_timeout
        self._timeout = aiohttp.ClientTimeout(
            total=total_timeout, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections),
                timeout=self._timeout,
                headers={"User-Agent": self.user_agent},
                trust_env=False,  # the address check must be about the host we connect to
                auto_decompress=True,
            )
        return self._session

    async def post_signed(
        self,
        url: str,
        body: bytes,
        *,
        signer: Signer,
        allow_private: bool,
        content_type: str = "application/activity+json",
    ) -> PostAnswer:
        """POST ``body`` signed, without following redirects; the answer, whatever it is.
        FetchError (status None) only for a refused address or a network failure."""
        headers = {"Content-Type": content_type, "Accept": DEFAULT_ACCEPT}
        try:
            async with asyncio.timeout(self.total_timeout):
                await check_address(url, allow_private=allow_private)
                headers.update(signer("POST", url, headers, body))
                async with self._client().post(
                    url, data=body, headers=headers, allow_redirects=False
                ) as response:
                    return PostAnswer(
                        response.status,
                        response.headers.get("Retry-After"),
                        await _read_some(response),
                    )
        except TimeoutError:
            raise FetchError(url, f"no complete answer within {self.total_timeout:g} s") from None
        except (aiohttp.ClientError, OSError, ValueError, UnicodeError) as exc:
            raise FetchError(url, describe_error(exc)) from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


async def _read_some(response: aiohttp.ClientResponse) -> str:
    """At most MAX_ANSWER_BYTES of the answer. A failure while reading it is no failure of
    the delivery: the status line arrived, and that is the outcome (reporting a network
    error here would make the caller deliver again what the peer has accepted)."""
    try:
        data = await response.content.read(MAX_ANSWER_BYTES)
    except (aiohttp.ClientError, OSError, TimeoutError):
        return ""
    return data.decode("utf-8", "replace")
