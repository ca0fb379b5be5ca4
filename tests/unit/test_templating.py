"""What pages do with stored data: links only through the URL rule; content warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from compagnon.server.templating import content_warning, link


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x", "//evil.example/", None],
)
def test_an_unsafe_url_is_shown_as_text_not_as_a_link(url: object) -> None:
    assert link(url, "<b>title</b>") == "&lt;b&gt;title&lt;/b&gt;"


def test_a_safe_url_becomes_a_link_with_everything_escaped() -> None:
    shown = link('https://a.example/?x="1"&y=2', "A & B", **{"class": "meta"})
    assert shown == (
        '<a href="https://a.example/?x=&#34;1&#34;&amp;y=2" class="meta">A &amp; B</a>'
    )


@dataclass
class Post:
    type: str = "Note"
    summary: str = ""
    raw: dict[str, Any] | None = field(default_factory=dict)


@dataclass
class Hit:
    title: str = "a resource"
    sensitive: bool = False


@pytest.mark.parametrize(
    ("post", "warning"),
    [
        (Post(summary="<p>Violence &amp; blood</p>"), "Violence & blood"),
        (Post(summary="Medical", raw={"sensitive": True}), "Medical"),
        (Post(raw={"sensitive": True}), "Sensitive content"),
        (Post(raw={"sensitive": "yes"}), None),  # only JSON true counts
        (Post(raw=None), None),
        (Post(), None),
        # Where the summary is the body (an abstract, a description), it is no warning...
        (Post(type="Article", summary="An abstract"), None),
        (Post(type="LearningResource", summary="A description"), None),
        # ... but `sensitive` still folds it.
        (Post(type="LearningResource", summary="x", raw={"sensitive": True}), "Sensitive content"),
        (Hit(sensitive=True), "Sensitive content"),
        (Hit(), None),
    ],
)
def test_content_warning(post: object, warning: str | None) -> None:
    assert content_warning(post) == warning
