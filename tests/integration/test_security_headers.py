"""Security headers on every answer of every route (the router is walked, so a route added
later is covered without touching this test), and CORS on the discovery documents."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from aiohttp import web

from compagnon.operations import admin as admin_ops
from tests.conftest import NodeFactory
from tests.support.nodes import Node
from tests.support.signin import sign_in

PAGE = "text/html"
AP = "application/activity+json"


def _sample_path(resource: web.AbstractResource, values: dict[str, str]) -> str:
    info = resource.get_info()
    if "prefix" in info:  # static files
        return f"{info['prefix']}/site.css"
    return re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: values[m.group(1)], resource.canonical)


async def _every_route(node: Node) -> list[tuple[str, str]]:
    assert node.app is not None
    note = await node.post("maria", "A post for the header test")
    activity = (await node.activities_about(note.uri))[0]
    async with node.sessions.begin() as session:  # a working sign-up link (/invite/{token})
        invite = await admin_ops.create_invite(session, "trainer", timedelta(days=1), "test")
    values = {
        "token": invite.token,
        "username": "maria",
        "object_id": note.uri.rsplit("/", 1)[-1],
        "activity_id": activity.rsplit("/", 1)[-1],
        "sha256": "0" * 64,
        "name": "file.pdf",
        "tag": "welding",
        # feeds, sitemap parts (server/views/handover_*.py)
        "fmt": "atom",
        "part": "0",
        "code": "0715",
        "level": "3",
        "handle": "maria",
        "table": "country",  # /statistics/{table}.csv
        "id": "1",  # the Mastodon API (server/api/)
        "tail": "v1/no/such/endpoint",
        "hashtag": "welding",
    }
    routes = {
        (route.method, _sample_path(route.resource, values))
        for route in node.app.router.routes()
        if route.resource is not None
    }
    routes.add(("GET", "/no/such/page"))  # the router's own 404
    return sorted(routes)


async def test_every_answer_of_every_route_carries_the_security_headers(
    make_node: NodeFactory,
) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    routes = await _every_route(node)
    assert len(routes) >= 20, routes
    html_answers: set[str] = set()
    async with httpx.AsyncClient(base_url=node.base, follow_redirects=False) as http:
        for method, path in routes:
            for accept in (PAGE, AP):
                answer = await http.request(
                    method,
                    path,
                    headers={"Accept": accept},
                    data={"username": "maria", "password": "wrong"} if method == "POST" else None,
                )
                where = f"{method} {path} (Accept: {accept}) -> {answer.status_code}"
                assert answer.status_code < 500, where
                assert answer.headers.get("X-Content-Type-Options") == "nosniff", where
                assert answer.headers.get("Referrer-Policy") == "same-origin", where
                if answer.headers.get("Content-Type", "").startswith(PAGE):
                    html_answers.add(path)
                    policy = answer.headers.get("Content-Security-Policy", "")
                    assert "default-src 'self'" in policy, where
                    assert "frame-ancestors 'none'" in policy, where
                    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
                    assert answer.headers.get("X-Frame-Options") == "DENY", where
    # Every page of the node was among them (the test is not vacuous).
    pages = {"/", "/login", "/search", "/@maria", "/users/maria", "/home"}
    assert {p for p in html_answers if not p.startswith("/objects/")} >= pages - {"/home"}
    assert any(p.startswith("/objects/") for p in html_answers)


async def test_signed_in_pages_and_form_errors_carry_them_too(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with httpx.AsyncClient(base_url=node.base) as http:
        await sign_in(http, "maria")
        home = await http.get("/home")
        refused = await http.post("/compose", data={"content": "x", "csrf": "stale"})
    for answer in (home, refused):
        assert answer.headers["Content-Type"].startswith(PAGE)
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"


async def test_discovery_documents_may_be_read_by_browser_clients(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("maria")
    async with httpx.AsyncClient(base_url=node.base) as http:
        answers = [
            await http.get(
                "/.well-known/webfinger", params={"resource": f"acct:maria@{node.domain}"}
            ),
            await http.get("/.well-known/webfinger", params={"resource": "acct:nobody@x.example"}),
            await http.get("/.well-known/webfinger"),
            await http.get("/.well-known/host-meta"),
            await http.get("/.well-known/nodeinfo"),
            await http.get("/nodeinfo/2.1"),
        ]
        page = await http.get("/")
    assert [a.status_code for a in answers] == [200, 404, 400, 200, 200, 200]
    for answer in answers:
        assert answer.headers.get("Access-Control-Allow-Origin") == "*", answer.url
    assert "Access-Control-Allow-Origin" not in page.headers  # pages stay same-origin
