"""A trainer's browser, without the browser: a cookie jar, the forms' CSRF tokens, and the
node's pages over real HTTP (aiohttp's client)."""

from __future__ import annotations

import html
import re
from types import TracebackType
from typing import Any

import aiohttp

from tests.support.nodes import Node

PASSWORD = "correct horse battery"  # what tests.support.nodes gives every user
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


LANGUAGE_FIELD = re.compile(r'<input[^>]*\bname="language"[^>]*\bvalue="([^"]*)"')


def language_field(page: str) -> str:
    """The value a form's language field starts with."""
    found = LANGUAGE_FIELD.search(page)
    assert found is not None, "the form has a language field"
    return html.unescape(found.group(1))


class Browser:
    def __init__(self, node: Node) -> None:
        self.node = node
        # unsafe: the jar would otherwise drop cookies of a host given as an IP address.
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.http.close()

    async def page(self, path: str) -> str:
        async with self.http.get(self.node.base + path) as response:
            assert response.status == 200, (path, response.status)
            return await response.text()

    async def post(
        self, path: str, data: Any = None, **kwargs: Any
    ) -> tuple[int, str, dict[str, str]]:
        async with self.http.post(
            self.node.base + path, data=data, allow_redirects=False, **kwargs
        ) as response:
            return response.status, await response.text(), dict(response.headers)

    async def log_in(self, username: str, password: str = PASSWORD) -> int:
        token = csrf_of(await self.page("/login"))
        form = {"username": username, "password": password, "csrf": token}
        status, _, _ = await self.post("/login", form)
        return status

    async def compose(self, text: str, visibility: str = "public") -> tuple[int, str]:
        token = csrf_of(await self.page("/home"))
        form = {"content": text, "visibility": visibility, "csrf": token}
        status, body, _ = await self.post("/compose", form)
        return status, body
