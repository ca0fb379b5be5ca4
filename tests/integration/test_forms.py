"""The node's forms and query strings against what browsers, scripts and attackers send:
odd numbers, unreadable bodies, missing CSRF tokens, password guessing, and direct posts
written on the web (issue 8, items 4, 6 and 10)."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import func, select

from compagnon.server.keys import SIGNIN_LIMITER
from compagnon.storage.models import Activity, Object, TimelineEntry
from tests.conftest import NodeFactory
from tests.support.nodes import Node, settle
from tests.support.web import PASSWORD, Browser, csrf_of

AP = "application/activity+json"
ODD_NUMBERS = [
    "²",  # superscript two: str.isdigit() says yes, int() says no
    "①",
    "٣",  # Arabic-Indic three: int() takes it; the node should not
    "1" * 20,  # over a 64-bit column
    "9" * 5000,
    "-1",
    "0",
    " 1",
    "1e3",
    "",
    "0x10",
]


async def stored(node: Node) -> tuple[int, int, int]:
    async with node.sessions() as session:
        objects = await session.scalar(select(func.count()).select_from(Object))
        activities = await session.scalar(select(func.count()).select_from(Activity))
        entries = await session.scalar(select(func.count()).select_from(TimelineEntry))
    return int(objects or 0), int(activities or 0), int(entries or 0)


class Clock:
    """Time a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("value", ODD_NUMBERS)
async def test_odd_numbers_in_query_strings_get_a_400(make_node: NodeFactory, value: str) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with aiohttp.ClientSession(headers={"Accept": AP}) as http:
        for path, name in [
            ("/users/maria/followers", "page"),
            ("/users/maria/following", "page"),
            ("/users/maria/outbox?page=true&", "max_id"),
        ]:
            sep = "&" if path.endswith("&") else "?"
            url = f"{node.base}{path.rstrip('&')}{sep}{name}={value}"
            async with http.get(url) as response:
                assert response.status == 400, (url[:120], response.status)
                assert name in (await response.json())["error"]
        async with http.get(f"{node.base}/users/maria/followers?page=1") as response:
            assert response.status == 200


async def test_webfinger_with_an_unclosed_ipv6_bracket_gets_a_400(make_node: NodeFactory) -> None:
    node = await make_node("a")
    async with aiohttp.ClientSession() as http:
        for resource in ["http://[::1", "https://[::1/users/x", "acct:[::1"]:
            url = f"{node.base}/.well-known/webfinger"
            async with http.get(url, params={"resource": resource}) as response:
                assert response.status in {400, 404}, resource


PART = b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n"
UNREADABLE = [
    # (content type, body, status)
    ("application/x-www-form-urlencoded", b"username=\xff\xfe&password=x", 400),
    ("application/x-www-form-urlencoded", b"username=%ff%fe&password=x", 400),
    ("application/x-www-form-urlencoded; charset=klingon", b"username=a", 400),
    ("application/x-www-form-urlencoded; charset=utf-16", b"u\x00=\x00a\x00", 400),
    ("multipart/form-data", PART + b"v\r\n--x--", 400),  # no boundary
    ("multipart/form-data; boundary=x", b"garbage", 400),
    ("multipart/form-data; boundary=x", PART + b"v", 400),  # cut short
    (
        "multipart/form-data; boundary=x",
        b"--x\r\nContent-Type: text/plain; charset=klingon\r\n"
        b"Content-Disposition: form-data; name=content\r\n\r\nhello\r\n--x--\r\n",
        400,
    ),
    (
        "multipart/form-data; boundary=x",
        b"--x\r\nContent-Disposition: form-data; name=content\r\n\r\n\xff\xfe\r\n--x--\r\n",
        400,
    ),
    ("multipart/form-data; boundary=x", b"--x\r\nbroken header\r\n\r\nab\r\n--x--\r\n", 400),
    (
        "multipart/form-data; boundary=x",
        b"--x\r\nContent-Disposition: form-data; name=content; filename=a.sh\r\n\r\n"
        b"ab\r\n--x--\r\n",
        400,
    ),
    ("multipart/form-data; boundary=" + "x" * 100, b"--x\r\n", 400),
    ("text/plain", b"username=a", 415),
    ("application/x-www-form-urlencoded", b"content=" + b"a" * 200_000, 413),
]


@pytest.mark.parametrize(("content_type", "body", "status"), UNREADABLE)
async def test_unreadable_forms_get_a_readable_page_and_change_nothing(
    make_node: NodeFactory, content_type: str, body: bytes, status: int
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with Browser(node) as browser:
        assert await browser.log_in("maria") == 303
        before = await stored(node)
        for path in ["/login", "/compose", "/logout"]:
            answer, html, headers = await browser.post(
                path, body, headers={"Content-Type": content_type}
            )
            assert answer == status, (path, answer, html[:300])
            assert headers["Content-Type"].startswith("text/html")
            assert 'role="alert"' in html and "Traceback" not in html
        assert await stored(node) == before
        assert "Hello, maria" in await browser.page("/home")  # still signed in


async def test_forms_without_the_right_csrf_token_are_refused(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with Browser(node) as browser:
        login_page = await browser.page("/login")
        for token in [None, "", "forged", "é" * 43, csrf_of(login_page) + "x"]:
            form = {"username": "maria", "password": PASSWORD}
            if token is not None:
                form["csrf"] = token
            status, html, _ = await browser.post("/login", form)
            assert status == 403 and "form expired" in html
            assert 'value="maria"' in html  # the username is kept
        assert await browser.log_in("maria") == 303

        before = await stored(node)
        form = {"content": "Exam on Friday", "visibility": "public", "csrf": "forged"}
        status, html, _ = await browser.post("/compose", form)
        assert status == 403 and "Exam on Friday" in html  # refused, the text kept
        status, html, _ = await browser.post("/logout", {"csrf": "forged"})
        assert status == 403 and "form expired" in html
        assert await stored(node) == before
        assert "Hello, maria" in await browser.page("/home")

        token = csrf_of(await browser.page("/home"))
        status, _, _ = await browser.post("/logout", {"csrf": token})
        assert status == 303


async def test_a_token_from_another_browser_is_refused(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with Browser(node) as attacker, Browser(node) as victim:
        token = csrf_of(await attacker.page("/login"))
        await victim.page("/login")  # the victim has a CSRF cookie of its own
        form = {"username": "maria", "password": PASSWORD, "csrf": token}
        status, _, _ = await victim.post("/login", form)
        assert status == 403


async def test_password_guessing_is_stopped_per_account(make_node: NodeFactory) -> None:
    node = await make_node(
        "a", login_failures_per_account=3, login_failures_per_address=100, login_failure_window=600
    )
    assert node.app is not None
    clock = Clock()
    node.app[SIGNIN_LIMITER].clock = clock
    await node.create_user("maria")
    async with Browser(node) as browser:
        for _ in range(3):
            assert await browser.log_in("maria", "guess") == 401
        clock.now += 60
        token = csrf_of(await browser.page("/login"))
        form = {"username": "maria", "password": PASSWORD, "csrf": token}
        status, html, headers = await browser.post("/login", form)
        assert status == 429  # the right password does not get in yet
        assert headers["Retry-After"] == "540"
        assert "Too many failed attempts to log in" in html and "9 minutes" in html
        clock.now += 539
        assert await browser.log_in("maria") == 429
        clock.now += 1
        assert await browser.log_in("maria") == 303  # the window has passed


async def test_password_guessing_is_stopped_per_address(make_node: NodeFactory) -> None:
    node = await make_node("a", login_failures_per_address=4, login_failure_window=600)
    assert node.app is not None
    node.app[SIGNIN_LIMITER].clock = Clock()
    await node.create_user("maria")
    async with Browser(node) as browser:
        for name in ["ana", "rui", "eva", "joao"]:  # one guess at each of many accounts
            assert await browser.log_in(name, "guess") == 401
        assert await browser.log_in("maria") == 429
        # A client cannot pick another address by writing X-Forwarded-For itself.
        token = csrf_of(await browser.page("/login"))
        form = {"username": "maria", "password": PASSWORD, "csrf": token}
        status, _, _ = await browser.post("/login", form, headers={"X-Forwarded-For": "1.2.3.4"})
        assert status == 429


async def test_behind_a_trusted_proxy_each_client_address_counts_apart(
    make_node: NodeFactory,
) -> None:
    node = await make_node(
        "a", login_failures_per_address=2, login_failure_window=600, trusted_proxies="127.0.0.1"
    )
    assert node.app is not None
    node.app[SIGNIN_LIMITER].clock = Clock()
    await node.create_user("maria")
    async with Browser(node) as browser:

        async def attempt(client: str, username: str, password: str) -> int:
            token = csrf_of(await browser.page("/login"))
            form = {"username": username, "password": password, "csrf": token}
            headers = {"X-Forwarded-For": f"6.6.6.6, {client}"}
            status, _, _ = await browser.post("/login", form, headers=headers)
            return status

        assert await attempt("198.51.100.7", "ana", "guess") == 401
        assert await attempt("198.51.100.7", "rui", "guess") == 401
        assert await attempt("198.51.100.7", "maria", PASSWORD) == 429
        assert await attempt("203.0.113.9", "maria", PASSWORD) == 303


async def test_a_direct_post_written_on_the_web_reaches_a_local_trainer(
    make_node: NodeFactory, backend: str
) -> None:
    node = await make_node("a", backend=backend)
    await node.create_user("maria")
    joana = await node.create_user("joana")
    async with Browser(node) as browser:
        assert await browser.log_in("maria") == 303
        status, _ = await browser.compose(
            f"@joana@{node.domain}, the exam room moved to B12.", "direct"
        )
        assert status == 303
    async with node.sessions() as session:
        obj = await session.scalar(select(Object).where(Object.content.contains("B12")))
    assert obj is not None and obj.visibility == "direct"
    assert obj.recipients["to"] == [joana.uri]
    assert obj.recipients["tag"][0]["href"] == joana.uri
    async with Browser(node) as browser:
        assert await browser.log_in("joana") == 303
        assert "the exam room moved to B12" in await browser.page("/home")


async def test_a_direct_post_written_on_the_web_reaches_a_remote_trainer(
    make_node: NodeFactory, backend: str
) -> None:
    a, b = await make_node("a", backend=backend), await make_node("b", backend=backend)
    await a.create_user("maria")
    await b.create_user("pedro")
    await b.create_user("rosa")
    async with Browser(a) as browser:
        assert await browser.log_in("maria") == 303
        text = f"@pedro@{b.domain} your MIG checklist is ready"
        status, _ = await browser.compose(text, "direct")
        assert status == 303
    await settle(a, b)
    async with Browser(b) as browser:
        assert await browser.log_in("pedro") == 303
        assert "your MIG checklist is ready" in await browser.page("/home")
    async with Browser(b) as browser:
        assert await browser.log_in("rosa") == 303
        assert "MIG checklist" not in await browser.page("/home")


@pytest.mark.parametrize(
    "text",
    [
        "No mention at all, so nobody would get it",
        "@joana without a host",
        "@nobody@{a} is not a trainer here",
        "@ghost@{b} does not exist there",
        "@pedro@{closed} is on a node that does not answer",
    ],
)
async def test_a_direct_post_nobody_would_get_is_refused_with_the_text_kept(
    make_node: NodeFactory, text: str
) -> None:
    a, b = await make_node("a"), await make_node("b")
    await a.create_user("maria")
    await a.create_user("joana")
    text = text.format(a=a.domain, b=b.domain, closed="127.0.0.1:9")
    async with Browser(a) as browser:
        assert await browser.log_in("maria") == 303
        before = await stored(a)
        status, html = await browser.compose(text, "direct")
        assert status == 400
        assert 'role="alert"' in html
        assert "direct post needs" in html or "Cannot find" in html or "Nobody is called" in html
        assert text.split()[0] in html and "selected>Only people mentioned" in html  # kept
        assert await stored(a) == before
