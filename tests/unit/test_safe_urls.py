"""The one URL rule (domain/safe_urls.py): absolute http(s) with a real host, or nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compagnon.domain.safe_urls import MAX_URL_CHARS, http_url, http_urls, same_origin

KEPT = [
    "https://example.org/",
    "http://127.0.0.1:8080/objects/1",
    "https://formação.example.pt/recursos/soldadura?x=1#top",
    "https://EXAMPLE.ORG/Path",
    "https://[2001:db8::1]:8443/a",
    "https://example.org/%0aalert(1)",  # percent-encoded: only a path
    "https://xn--formao-vxa.example.pt./",
    "https://example.org/a?next=javascript:alert(1)",  # in the query: a harmless string
]

REFUSED = [
    "javascript:alert(1)",
    "javascript://example.org/%0aalert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "\njavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "javascript%3Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.org/x",
    "HTTPS://example.org/",
    "//example.org/x",
    "/objects/1",
    "objects/1",
    "example.org/x",
    "https:example.org",
    "https:/example.org",
    "https://",
    "https:///path",
    " https://example.org/",
    "https://example.org/ ",
    "https://example.org/\u2028x",
    "https://exam\u200bple.org/",
    "https://example.org\\@evil.example/",
    "https://user:pass@example.org/",
    "https://example.org@evil.example/",
    "https://exa mple.org/",
    'https://example.org"onmouseover="alert(1)/',
    "https://<script>/",
    "https://example.org:99999/",
    "https://example.org:port/",
    "https://[::1/",
    "https://[not-an-ip]/",
    "https://" + "a" * MAX_URL_CHARS,
    "",
]


@pytest.mark.parametrize("url", KEPT)
def test_absolute_http_urls_with_a_real_host_are_kept_as_they_are(url: str) -> None:
    assert http_url(url) == url


@pytest.mark.parametrize("url", REFUSED)
def test_anything_else_is_refused(url: str) -> None:
    assert http_url(url) is None


@pytest.mark.parametrize("value", [None, 42, ["https://example.org/"], {"href": "https://x.org/"}])
def test_values_that_are_not_strings_are_refused(value: object) -> None:
    assert http_url(value) is None


def test_a_list_keeps_only_its_safe_urls() -> None:
    assert http_urls(["javascript:alert(1)", "https://a.example/", 3, "//b.example/"]) == [
        "https://a.example/"
    ]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://a.example/users/x", "https://A.example/objects/1", True),
        ("javascript://a.example/%0aalert(1)", "https://a.example/users/x", False),
        ("http://a.example/objects/1", "https://a.example/users/x", False),
        ("https://a.example:8443/x", "https://a.example/x", False),
        ("data:x", "data:y", False),
        ("https://b.example/x", "https://a.example/x", False),
    ],
)
def test_same_origin_compares_parsed_scheme_and_host(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same


@given(st.text())
def test_whatever_goes_in_what_comes_out_is_none_or_http(value: str) -> None:
    out = http_url(value)
    assert out is None or out.startswith(("http://", "https://"))


@given(
    st.from_regex(r"\A[ -~\t\n\r\x00-\x1f\x7f-\x9f\u2028\u200b]{0,40}\Z", fullmatch=True),
    st.sampled_from(["", "http://", "https://", "HTTPS://", "javascript:", "//"]),
)
def test_prefixed_junk_never_yields_another_scheme(junk: str, prefix: str) -> None:
    out = http_url(prefix + junk)
    assert out is None or out.startswith(("http://", "https://"))
    assert out is None or not any(c.isspace() or ord(c) < 32 or 127 <= ord(c) < 160 for c in out)
