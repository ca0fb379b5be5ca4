"""The one place where HTML is cleaned (DESIGN.md §4).

This module owns:
- ``sanitize_html``: remote HTML → the subset Mastodon keeps, safe to put in our pages, with
  nh3 (Ammonia, ~0.08 ms for a 600 B note here; bleach took ~1.3 ms and is deprecated
  upstream since 2023, mozilla/bleach#698). It runs once, in the worker, before the HTML is
  stored; never on the request path.
- ``html_to_text``: HTML → plain text for search indexes and summaries (escape it to display).
- ``text_to_html``: what our users type → the HTML we publish.

``html_to_text`` and ``text_to_html`` still use bleach's html5lib parser and linkifier: they
are off the hot path (reports, our own users' posts). Each call builds its own parser (~45 µs):
bleach's parsers keep state and are not thread-safe.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections.abc import Iterator
from functools import cache
from typing import Any, Final

import nh3
from bleach import html5lib_shim
from bleach.linkifier import Linker

from compagnon.domain import hashtags
from compagnon.federation.hashtags import link as hashtag_link

__all__ = [
    "ALLOWED_TAGS",
    "LINK_PROTOCOLS",
    "LINK_REL",
    "MICROFORMAT_CLASSES",
    "html_to_text",
    "sanitize_html",
    "text_to_html",
]

log = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What Mastodon keeps (mastodon-interop.md "Objects"; app/lib/sanitize_config.rb).
ALLOWED_TAGS: Final = _words("p br span a del pre code em strong b i u ul ol li blockquote")
LINK_PROTOCOLS: Final = _words("http https dat dweb ipfs ipns ssb gopher xmpp magnet gemini")
MICROFORMAT_CLASSES: Final = _words("h-card mention hashtag u-url invisible ellipsis")
LINK_REL: Final = "nofollow noopener noreferrer"

_HEADINGS: Final = frozenset(f"h{level}" for level in range(1, 7))
# Elements whose content is code or markup-as-text, never prose: removed with their content
# (the Ruby Sanitize defaults that Mastodon inherits, plus template and title).
_DROP_WITH_CONTENT: Final = _words(
    "script style template iframe noscript noembed noframes xmp plaintext svg math title textarea"
)


def sanitize_html(html: str) -> str:
    """Clean remote HTML down to Mastodon's allow-list. Never raises on a str.

    Headings become ``<p><strong>``; links keep an href with an allowed scheme and get
    ``rel="nofollow noopener noreferrer" target="_blank"``; ``a``/``span`` keep only the
    microformat classes Mastodon uses for mentions, hashtags and shortened links.
    """
    if not isinstance(html, str) or not html:
        return ""
    try:
        cleaned = _cleaner().clean(html)
        if ' class=""' in cleaned:
            cleaned = _EMPTY_CLASS.sub(r"\1", cleaned)
        return _rewrite_blocks(cleaned)
    except Exception:
        # nh3 has no known failure on str input, but a crash here would stop the worker on
        # one hostile post. Escaping everything is always safe, if ugly.
        log.warning("sanitize_html failed; storing the text escaped", exc_info=True)
        return f"<p>{html_lib.escape(html)}</p>"


@cache
def _cleaner() -> nh3.Cleaner:
    # Built once: ammonia's cleaner is immutable and safe to share between threads.
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS | _HEADINGS | _BLOCKS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={"*": set(), "a": {"href"}},
        allowed_classes={"a": set(MICROFORMAT_CLASSES), "span": set(MICROFORMAT_CLASSES)},
        set_tag_attribute_values={"a": {"target": "_blank"}},
        link_rel=LINK_REL,
        url_schemes=set(LINK_PROTOCOLS),
        url_relative="deny",  # a relative link would point at our host, not the author's
        strip_comments=True,
    )


# allowed_classes leaves class="" where no class survived; it is dropped after cleaning (a
# Python attribute callback instead cost a third of the cleaning time). In the cleaner's
# output ' class=""' can only be an attribute: a quote inside an attribute value is &quot;.
_EMPTY_CLASS: Final = re.compile(r'(<(?:a|span)\b[^<>]*?) class=""')


# Block elements outside the allow-list are kept by the cleaner (with no attributes) only to
# be rewritten afterwards: "<div>one</div><div>two</div>" must read "one two", not "onetwo".
# Headings become "<p><strong>", as Mastodon renders them. In the cleaner's output "<h2>" or
# "</div>" can only be a tag: every "<" of text is escaped as "&lt;".
_BLOCKS: Final = _words(
    "div section article header footer aside nav main figure figcaption address details"
    " summary dl dt dd table caption thead tbody tfoot tr td th hr"
)
_REWRITTEN: Final = re.compile(
    r"<(/?)(h[1-6]|" + "|".join(sorted(_BLOCKS, key=len, reverse=True)) + r")>"
)


def _rewrite_blocks(cleaned: str) -> str:
    def replace(match: re.Match[str]) -> str:
        closing, name = match.groups()
        if name in _HEADINGS:
            return "</strong></p>" if closing else "<p><strong>"
        return "\n" if closing or name == "hr" else ""

    rewritten = _REWRITTEN.sub(replace, cleaned)
    return rewritten.strip("\n") if rewritten is not cleaned else rewritten


# --- HTML → text -------------------------------------------------------------------------


def _local_name(tag: object) -> str:
    """Tag name without namespace; "" for comments and other non-element tokens."""
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


_PARAGRAPH_TAGS: Final = _words(
    "p blockquote pre ul ol table h1 h2 h3 h4 h5 h6 figure hr section article header footer"
    " aside nav main details summary dl address"
)
_LINE_TAGS: Final = _words("br li div tr dt dd figcaption caption")
_SPACE_RUN: Final = re.compile(r"\s+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: paragraphs separated by a blank line, lines by "\\n".

    Entities are decoded, HTML whitespace (&nbsp; included) collapsed, script/style content
    dropped. The result is text, not HTML: escape it before putting it in a page.
    """
    if not isinstance(html, str) or not html:
        return ""
    try:
        return _tidy_lines(_join_pieces(_text_pieces(html)))
    except Exception:
        log.warning("html_to_text failed; falling back to a rough strip", exc_info=True)
        return _SPACE_RUN.sub(" ", re.sub(r"<[^>]*>", " ", html)).strip()


def _text_pieces(html: str) -> Iterator[str | int]:
    """Text, and ints for the line breaks a block boundary asks for (1 line, 2 paragraph)."""
    parser = html5lib_shim.BleachHTMLParser(
        tags=None, strip=False, consume_entities=True, namespaceHTMLElements=False
    )
    walker = html5lib_shim.getTreeWalker("etree")
    hidden = 0  # depth inside script/style/...: their text is not prose
    pre = 0  # depth inside <pre>: keep its line breaks
    for token in walker(parser.parseFragment(html)):
        kind, name = token["type"], _local_name(token.get("name"))
        if kind in ("StartTag", "EndTag"):
            step = 1 if kind == "StartTag" else -1
            hidden += step if name in _DROP_WITH_CONTENT else 0
            pre += step if name == "pre" else 0
        if hidden:
            continue
        if kind in ("Characters", "SpaceCharacters"):
            yield token["data"] if pre else _SPACE_RUN.sub(" ", token["data"])
        elif name == "br":
            yield "\n"  # a real line break: two <br> make a blank line
        elif name in _PARAGRAPH_TAGS:
            yield 2
        elif name in _LINE_TAGS:
            yield 1


def _join_pieces(pieces: Iterator[str | int]) -> str:
    """Join text, turning each run of block boundaries into its largest break."""
    out: list[str] = []
    pending = 0
    for piece in pieces:
        if isinstance(piece, int):
            pending = max(pending, piece)
        elif pending and not piece.strip(" "):
            continue  # indentation between two blocks
        else:
            if pending and out:
                out.append("\n" * pending)
            pending = 0
            out.append(piece)
    return "".join(out)


def _tidy_lines(text: str) -> str:
    # Spaces next to line breaks are leftovers of collapsed HTML whitespace (this also drops
    # the indentation of <pre> lines: acceptable for search and summaries).
    lines = [line.strip(" ") for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- text → HTML -------------------------------------------------------------------------

_BLANK_LINE: Final = re.compile(r"\n[ \t]*\n\s*")
_HTTP_PREFIXES: Final = ("http://", "https://")
# Explicit http(s) URLs only, any host (bleach's own pattern wants a known TLD and also links
# bare domains). A URL does not end in sentence punctuation; unbalanced ")" is trimmed by bleach.
_URL_RE: Final = re.compile(
    r"\(*(?<![\w@/.])https?://[^\s<>\"'`{}|\\^]*[^\s<>\"'`{}|\\^.,!?;:]", re.IGNORECASE
)


def text_to_html(text: str, *, tags_base: str | None = None) -> str:
    """HTML for a post typed by one of our users.

    Blank lines separate paragraphs, single newlines become ``<br>``, http(s) URLs become
    links with the same rel/target as remote ones. With ``tags_base`` (the node's base URL),
    #hashtags (domain/hashtags.py) become Mastodon's hashtag links to this node's pages
    (federation/hashtags.py), which ``publish`` reads back into the Note's ``tag``; without
    it they stay text (a profile's summary, a quiz). @mentions stay text.
    """
    if not isinstance(text, str):
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    marked = _with_hashtags(text, tags_base) if tags_base else html_lib.escape(text, quote=False)
    paragraphs = [p for p in _BLANK_LINE.split(marked) if p.strip()]
    body = "".join("<p>" + "<br>".join(p.split("\n")) + "</p>" for p in paragraphs)
    if not body:
        return ""
    linker = Linker(
        callbacks=[_link_callback], skip_tags={"pre", "code"}, parse_email=False, url_re=_URL_RE
    )
    linked: str = linker.linkify(body)
    return linked


def _with_hashtags(text: str, base: str) -> str:
    """`text` escaped, each hashtag a link (a tag never spans a line: it holds no space)."""
    parts: list[str] = []
    done = 0
    for tag in hashtags.find(text):
        parts.append(html_lib.escape(text[done : tag.start], quote=False))
        parts.append(hashtag_link(base, tag.name, text[tag.start + 1 : tag.end]))
        done = tag.end
    parts.append(html_lib.escape(text[done:], quote=False))
    return "".join(parts)


def _link_callback(attrs: dict[Any, str], new: bool = False) -> dict[Any, str] | None:
    if not new and attrs.get((None, "class")) == "mention hashtag":
        return attrs  # ours (_with_hashtags): Mastodon's form, rel="tag" and no target
    href = attrs.get((None, "href"), "")
    shown = attrs.get("_text", "")
    if new and not (
        href.lower().startswith(_HTTP_PREFIXES) and shown.lower().startswith(_HTTP_PREFIXES)
    ):
        return None  # belt and braces: _URL_RE only finds http(s) URLs
    # target before rel: the order nh3 writes them in, so our HTML passes sanitize unchanged
    attrs[(None, "target")] = "_blank"
    attrs[(None, "rel")] = LINK_REL
    return attrs
