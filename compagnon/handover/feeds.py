"""Atom and RSS feeds (feedgen) of what a person would otherwise check by hand: an actor's
public posts and resources, a hashtag, an ISCED-F field, an EQF level, any search (a search
URL's query string is the feed's). The newest FEED_SIZE items, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from compagnon.domain.facets import plain

FEED_SIZE = 20
SUMMARY_CHARS = 600
FORMATS = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


@dataclass(frozen=True)
class Entry:
    id: str  # the object's URI
    title: str
    link: str  # its page on this node
    summary: str  # plain text
    author: str
    published: datetime
    updated: datetime


@dataclass(frozen=True)
class Feed:
    title: str
    self_url: str
    page_url: str  # the HTML page the feed follows
    description: str
    language: str


def clean(text: str) -> str:
    """Plain text XML can carry: no control characters (a peer's text may hold them)."""
    return "".join(c for c in text if c in "\t\n\r" or 0x20 <= ord(c) < 0xD800 or ord(c) > 0xDFFF)


def summary_of(html_or_text: str) -> str:
    text = " ".join(plain(html_or_text).split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def render(feed: Feed, entries: Sequence[Entry], kind: str) -> bytes:
    """The feed as Atom 1.0 or RSS 2.0 (`kind`: "atom" or "rss")."""
    # Imported here: feedgen is read by harvesters' robots, not by every web process.
    from feedgen.feed import FeedGenerator

    generator = FeedGenerator()
    generator.id(feed.self_url)
    generator.title(clean(feed.title) or feed.self_url)
    generator.link(href=feed.page_url, rel="alternate")
    generator.link(href=feed.self_url, rel="self")
    generator.description(clean(feed.description) or clean(feed.title) or feed.self_url)
    generator.language(feed.language)
    generator.generator("Compagnon")
    if entries:
        generator.updated(max(e.updated for e in entries))
    for item in entries:
        entry = generator.add_entry(order="append")
        entry.id(item.id)
        entry.guid(item.id, permalink=False)
        entry.title(clean(item.title) or item.id)
        entry.link(href=item.link)
        entry.author(name=clean(item.author) or "?")
        summary = clean(item.summary)
        if summary:
            entry.summary(summary)
            entry.description(summary)
        entry.published(item.published)
        entry.updated(item.updated)
    if kind == "rss":
        return bytes(generator.rss_str(pretty=False))
    return bytes(generator.atom_str(pretty=False))
