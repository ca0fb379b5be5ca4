"""The small rules of the API's sign-in: which redirect URIs an app may register, what goes
into the authorize page's form-action, which scopes cover an endpoint."""

from __future__ import annotations

from compagnon.server.api import scopes
from compagnon.server.api.oauth import _form_target, _redirect_uri_ok


def test_redirect_uris_an_app_may_register() -> None:
    for good in (
        "urn:ietf:wg:oauth:2.0:oob",
        "https://elk.example/signin",
        "tusky://oauth",
        "http://127.0.0.1:8080/cb?x=1",
    ):
        assert _redirect_uri_ok(good), good
    for bad in (
        "javascript:alert(1)",
        "data:text/html,hi",
        "https://app.example/cb#frag",
        "https://",
        "no-scheme",
        "https://a.example/\r\nSet-Cookie: x",
        "https://a.example/ b",
    ):
        assert not _redirect_uri_ok(bad), bad


def test_form_action_gets_only_a_plain_origin_or_scheme() -> None:
    assert _form_target("https://app.example:8443/cb?x=1") == ("https://app.example:8443",)
    assert _form_target("tusky://oauth") == ("tusky:",)
    assert _form_target("urn:ietf:wg:oauth:2.0:oob") == ()
    assert _form_target("https://a.example;script-src/cb") == ()  # nothing that ends a directive
    assert _form_target("https://user@app.example/cb") == ("https://app.example",)


def test_scopes_cover_their_sub_scopes_and_follow_its_old_meaning() -> None:
    assert scopes.covers("read write", "read:statuses")
    assert scopes.covers("read:statuses", "read:statuses")
    assert not scopes.covers("read:accounts", "read:statuses")
    assert not scopes.covers("read", "write:statuses")
    assert scopes.covers("follow", "write:follows")
    assert scopes.parse("read write:statuses") == ["read", "write:statuses"]
    assert scopes.parse("read admin:write") is None
    assert scopes.parse("") == ["read"]


def test_signing_in_returns_only_to_a_path_of_this_node() -> None:
    from compagnon.server.views.pages import _next_path

    assert _next_path("/oauth/authorize?client_id=x") == "/oauth/authorize?client_id=x"
    for elsewhere in (
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/a\r\nX: y",
        "",
    ):
        assert _next_path(elsewhere) == "/home", elsewhere
