"""The one place where HTML is cleaned (DESIGN.md §4).

This module owns:
- ``sanitize_html``: remote HTML → the subset Mastodon keeps, safe to put in our pages. It costs
  about 1 ms per KB (bleach), so it runs once, in the worker, before the HTML is stored; never
  on the request path.
- ``html_to_text``: HTML → plain text for search indexes and summaries (escape it to display).
- ``text_to_html``: what our users type → the HTML we publish.

Every function here builds its own parser per call (~45 µs): bleach's parsers keep state and
are not thread-safe, and the worker may sanitise from several threads.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections.abc import Iterator
from typing import Any, Final

from bleach import html5lib_shim
from bleach.linkifier import Linker
from bleach.sanitizer import BleachSanitizerFilter

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
    "script style template iframe noscript noembed noframes xmp plaintext svg math title"
)
# The tokenizer must see these to build elements from them (everything else it strips on
# sight, turning block elements into a newline).
_PARSED_TAGS: Final = ALLOWED_TAGS | _HEADINGS | _DROP_WITH_CONTENT

_CLASS_ATTR: Final = (None, "class")
_SCHEME: Final = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_URI_NOISE: Final = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+")


def sanitize_html(html: str) -> str:
    """Clean remote HTML down to Mastodon's allow-list. Never raises on a str.

    Headings become ``<p><strong>``; links keep an href with an allowed scheme and get
    ``rel="nofollow noopener noreferrer" target="_blank"``; ``a``/``span`` keep only the
    microformat classes Mastodon uses for mentions, hashtags and shortened links.
    """
    if not isinstance(html, str) or not html:
        return ""
    try:
        return _sanitize(html)
    except Exception:
        # bleach has no known failure on str input, but a crash here would stop the worker on
        # one hostile post. Escaping everything is always safe, if ugly.
        log.warning("sanitize_html failed; storing the text escaped", exc_info=True)
        return f"<p>{html_lib.escape(html)}</p>"


def _sanitize(html: str) -> str:
    parser = html5lib_shim.BleachHTMLParser(
        tags=_PARSED_TAGS, strip=True, consume_entities=False, namespaceHTMLElements=False
    )
    fragment = parser.parseFragment(html)
    _drop_code_elements(fragment)
    _headings_to_strong(fragment)
    walker = html5lib_shim.getTreeWalker("etree")
    stream: Any = BleachSanitizerFilter(
        source=walker(fragment),
        allowed_tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        allowed_protocols=LINK_PROTOCOLS,
        strip_disallowed_tags=True,
        strip_html_comments=True,
    )
    stream = _LinkAndClassFilter(source=stream)
    rendered: str = _serializer().render(stream)
    return rendered


def _serializer() -> Any:
    # The settings bleach's own Cleaner uses: always-quoted attributes, "<" escaped in them.
    return html5lib_shim.BleachHTMLSerializer(
        quote_attr_values="always",
        omit_optional_tags=False,
        escape_lt_in_attrs=True,
        resolve_entities=False,
        sanitize=False,
        alphabetical_attributes=False,
    )


def _local_name(tag: object) -> str:
    """Tag name without namespace; "" for comments (whose tag is a function in etree)."""
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _drop_code_elements(root: Any) -> None:
    """Remove script, style, svg ... with everything inside them, keeping the text after them."""
    for parent in list(root.iter()):
        children = list(parent)
        if not any(_local_name(child.tag) in _DROP_WITH_CONTENT for child in children):
            continue
        kept: list[Any] = []
        for child in children:
            if _local_name(child.tag) not in _DROP_WITH_CONTENT:
                kept.append(child)
            elif child.tail:
                # The text after a removed element belongs to the previous sibling or parent.
                if kept:
                    kept[-1].tail = (kept[-1].tail or "") + child.tail
                else:
                    parent.text = (parent.text or "") + child.tail
        parent[:] = kept  # one slice assignment keeps this linear in the number of children


def _headings_to_strong(root: Any) -> None:
    """<h1>x</h1> → <p><strong>x</strong></p>, as Mastodon renders headings."""
    # Collected first: ElementTree does not promise anything when a tree changes under iter().
    headings = [e for e in root.iter() if isinstance(e.tag, str) and e.tag in _HEADINGS]
    for element in headings:
        strong = element.makeelement("strong", {})
        strong.text, element.text = element.text, None
        strong[:] = list(element)
        element[:] = [strong]
        element.tag = "p"
        element.attrib.clear()


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name == "class":
        return tag in ("a", "span")  # values are filtered in _LinkAndClassFilter
    if tag == "a" and name == "href":
        return _has_allowed_scheme(value)
    return False  # rel and target are forced on every link afterwards


def _has_allowed_scheme(value: str) -> bool:
    """An absolute URI with a scheme Mastodon links. Relative URIs would point at our host."""
    # Normalised the way bleach does before its own check: entities decoded, whitespace,
    # control and non-ASCII characters removed (browsers ignore them in a scheme).
    normalised = _URI_NOISE.sub("", html5lib_shim.convert_entities(value))
    normalised = normalised.encode("ascii", "ignore").decode().lower()
    match = _SCHEME.match(normalised)
    return match is not None and match.group(1) in LINK_PROTOCOLS


class _LinkAndClassFilter(html5lib_shim.Filter):  # type: ignore[misc]
    """Runs after bleach: keeps only microformat classes, forces rel and target on links."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        token: dict[str, Any]
        for token in html5lib_shim.Filter.__iter__(self):
            if token["type"] == "StartTag" and token["name"] in ("a", "span"):
                token["data"] = _fix_attributes(token["name"], dict(token.get("data") or {}))
            yield token


def _fix_attributes(tag: str, attrs: dict[Any, str]) -> dict[Any, str]:
    classes = [c for c in attrs.pop(_CLASS_ATTR, "").split() if c in MICROFORMAT_CLASSES]
    if classes:
        attrs[_CLASS_ATTR] = " ".join(dict.fromkeys(classes))
    if tag == "a":
        attrs[(None, "rel")] = LINK_REL
        attrs[(None, "target")] = "_blank"
    return attrs


# --- HTML → text -------------------------------------------------------------------------

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


def text_to_html(text: str) -> str:
    """HTML for a post typed by one of our users.

    Blank lines separate paragraphs, single newlines become ``<br>``, http(s) URLs become
    links with the same rel/target as remote ones. #hashtags and @mentions stay text for now.
    """
    if not isinstance(text, str):
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p for p in _BLANK_LINE.split(text) if p.strip()]
    body = "".join(
        "<p>" + "<br>".join(html_lib.escape(line, quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    if not body:
        return ""
    linker = Linker(
        callbacks=[_link_callback], skip_tags={"pre", "code"}, parse_email=False, url_re=_URL_RE
    )
    linked: str = linker.linkify(body)
    return linked


def _link_callback(attrs: dict[Any, str], new: bool = False) -> dict[Any, str] | None:
    href = attrs.get((None, "href"), "")
    shown = attrs.get("_text", "")
    if new and not (
        href.lower().startswith(_HTTP_PREFIXES) and shown.lower().startswith(_HTTP_PREFIXES)
    ):
        return None  # belt and braces: _URL_RE only finds http(s) URLs
    attrs[(None, "rel")] = LINK_REL
    attrs[(None, "target")] = "_blank"
    return attrs
