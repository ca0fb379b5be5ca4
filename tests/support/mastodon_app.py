"""An app signed in through the Mastodon client API the way a phone app does it: registered
with Mastodon.py, authorised through the node's own pages (sign in, allow) with PKCE, the
token exchanged (a wrong verifier and a second use of the code refused on the way). Mastodon.py
is synchronous: `call` runs it in a thread while the nodes serve on the test's event loop."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from mastodon import Mastodon

from tests.support.nodes import Node
from tests.support.signin import PASSWORD

T = TypeVar("T")
CALLBACK = "https://app.example/callback"
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')
SCOPES = ["read", "write", "follow"]


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(fn, *args, **kwargs)


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form that posts to `action` (the header's log-out
    form and the footer's language form have their own)."""
    for target, body in re.findall(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', html, re.S):
        if target.startswith(action):
            return {name: value.replace("&amp;", "&") for name, value in HIDDEN.findall(body)}
    raise AssertionError(f"no form posts to {action}")


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def authorise(node: Node, username: str, url: str) -> str:
    """What a person does in the browser the app opens: sign in, allow. The code, read from
    the redirect to the app."""
    async with httpx.AsyncClient(headers={"Accept": "text/html"}) as http:
        answer = await http.get(url)
        assert answer.status_code == 303  # not signed in yet: the node's sign-in page
        login = await http.get(node.base + answer.headers["Location"])
        fields = hidden_fields(login.text, "/login")
        assert fields["next"].startswith("/oauth/authorize?")
        answer = await http.post(
            node.base + "/login", data={**fields, "username": username, "password": PASSWORD}
        )
        assert answer.status_code == 303
        page = await http.get(node.base + answer.headers["Location"])
        assert "Authorise Tusky test?" in page.text
        # The form leads back to the app: the page's policy lets it (and nothing else new).
        policy = page.headers["Content-Security-Policy"]
        assert "form-action 'self' https://app.example;" in policy
        answer = await http.post(
            node.base + "/oauth/authorize",
            data={**hidden_fields(page.text, "/oauth/authorize"), "decision": "allow"},
        )
    assert answer.status_code == 303
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    query = parse_qs(back.query)
    assert query["state"] == ["s-42"]
    return query["code"][0]


async def sign_in_app(node: Node, username: str) -> tuple[Mastodon, str, str]:
    """Register an app with Mastodon.py, authorise it with PKCE; a client with the token."""
    client_id, client_secret = await call(
        Mastodon.create_app,
        "Tusky test",
        scopes=SCOPES,
        redirect_uris=CALLBACK,
        api_base_url=node.base,
    )
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=node.base)
    url = await call(
        app.auth_request_url, redirect_uris=CALLBACK, scopes=SCOPES, state="s-42", allow_http=True
    )
    assert url.startswith(node.base + "/oauth/authorize?")  # read from the metadata document
    verifier, challenge = pkce()
    url += "&" + urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})
    code = await authorise(node, username, url)
    async with httpx.AsyncClient(base_url=node.base) as http:
        # Mastodon.py's log_in sends no code_verifier: the token request is made here, as a
        # public client (no secret) proving the verifier.
        wrong = await http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "code_verifier": "not-the-verifier" * 3,
            },
        )
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        code = await authorise(node, username, url)
        answer = await http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "code_verifier": verifier,
            },
        )
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        assert answer.json()["scope"] == "read write follow"
        again = await http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "code_verifier": verifier,
            },
        )
        assert again.status_code == 400  # a code works once
    client = Mastodon(access_token=token, api_base_url=node.base)
    return client, client_id, client_secret
