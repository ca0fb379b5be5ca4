"""Hashtags of our own posts on the wire: the link in `content` and the `tag` entry.

`sanitize.text_to_html` finds the tags a trainer typed (domain/hashtags.py) and writes each
as Mastodon's own link to this node's hashtag page (`/tags/{name}`, routes.py):
`<a href="{base}/tags/{name}" class="mention hashtag" rel="tag">#<span>{as typed}</span></a>`.
`publish.publish_note` and `update_note` read those links back (`tags_in`) into
`{"type": "Hashtag", "href", "name": "#Name"}` entries of the Note's `tag`, kept in
`recipients["tag"]` beside the Mentions, where every reader of tags looks (the hashtag
pages and feeds, `/api/v1/timelines/tag`, the hashtag streams, the API's `tags`) and where a
peer's tags are stored too (convert.tags_of). The text is the one source: what is linked is
what is tagged.
"""

from __future__ import annotations

import html
import re
from typing import Any, Final
from urllib.parse import quote

from compagnon.domain import hashtags

_LINK: Final = re.compile(
    r'<a href="([^"<>]*)" class="mention hashtag" rel="tag">#<span>([^<>]*)</span></a>'
)


def href(base: str, name: str) -> str:
    """The node's page of a hashtag: lower case, percent-encoded, as Mastodon writes it."""
    return f"{base}/tags/{quote(name.lower(), safe='')}"


def link(base: str, name: str, typed: str) -> str:
    """The HTML of one hashtag: `name` normalised (the page it opens), `typed` shown."""
    shown = html.escape(typed, quote=False)
    return (
        f'<a href="{html.escape(href(base, name))}" class="mention hashtag" rel="tag">'
        f"#<span>{shown}</span></a>"
    )


def tags_in(content_html: str, base: str) -> list[dict[str, str]]:
    """The `Hashtag` entries for the hashtag links `text_to_html` wrote into `content_html`
    (links to this node's pages only), each name once, in order."""
    found: dict[str, dict[str, str]] = {}
    prefix = f"{base}/tags/"
    for match in _LINK.finditer(content_html or ""):
        url = html.unescape(match.group(1))
        name = hashtags.normalised(html.unescape(match.group(2)))
        if url.startswith(prefix) and name is not None:
            found.setdefault(
                hashtags.key(name), {"type": "Hashtag", "href": url, "name": "#" + name}
            )
    return list(found.values())


def without_hashtags(tags: Any) -> list[Any]:
    """A stored `tag` list without its Hashtag entries (an edit writes them anew)."""
    items = tags if isinstance(tags, list) else []
    return [t for t in items if not (isinstance(t, dict) and t.get("type") == "Hashtag")]
