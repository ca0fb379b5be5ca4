"""sitemap.xml (https://www.sitemaps.org/protocol.html) and robots.txt.

The sitemap lists the page of every record of the OAI repository (not deleted): pages that
embed their AMB record as JSON-LD, which is what OER search engines read. Up to
`max_urls` (50,000, the protocol's limit) it is one file; past that, /sitemap.xml is a
sitemap index of files that each cover a range of object ids (so a file never holds more
than `max_urls` URLs and is one index range to read).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from urllib.parse import quote

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.handover import queries

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000

# Pages of a person or of the staff, and forms: nothing for a search engine.
PRIVATE = (
    "/admin",
    "/settings",
    "/home",
    "/notifications",
    "/follow-requests",
    "/login",
    "/logout",
    "/invite/",
    "/compose",
    "/post/",
    "/react",
    "/reply",
    "/report",
    "/follow",
    "/unfollow",
    "/find",
    "/questions/vote",
    "/inbox",
)


HUGE_ID = 2**62


def page_url(base: str, uri: str, is_local: bool, kind: str) -> str:
    """The human page of a listed object: ours at its own address, a peer's here."""
    if is_local:
        return uri
    path = {"LearningResource": "/resource", "Question": "/questions"}.get(kind, "/view")
    return f"{base}{path}?uri={quote(uri, safe='')}"


async def entries(
    session: AsyncSession, base: str, first_id: int = 0, last_id: int = HUGE_ID
) -> list[tuple[str, datetime]]:
    """(page, lastmod) of the records (not deleted) whose object id is in the range."""
    rows = await queries.sitemap_entries(session, first_id, last_id)
    return [(page_url(base, uri, local, kind), stamp) for uri, local, kind, stamp in rows]


async def files(session: AsyncSession, base: str, size: int) -> AsyncIterator[tuple[str, bytes]]:
    """The whole sitemap as files (name relative to the site's root, content): sitemap.xml,
    and past `size` records the parts sitemaps/N.xml it indexes. One part in memory at a
    time."""
    if not await queries.more_than(session, size):
        yield "sitemap.xml", single(base, await entries(session, base))
        return
    buckets = await queries.sitemap_buckets(session, size)
    yield "sitemap.xml", index((f"{base}/sitemaps/{n}.xml", stamp) for n, stamp in buckets)
    for n, _stamp in buckets:
        part = await entries(session, base, n * size, (n + 1) * size - 1)
        yield f"sitemaps/{n}.xml", urlset(part)


def lastmod(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _document(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def urlset(entries: Iterable[tuple[str, datetime | None]]) -> bytes:
    root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP})
    for url, moment in entries:
        item = etree.SubElement(root, f"{{{SITEMAP}}}url")
        etree.SubElement(item, f"{{{SITEMAP}}}loc").text = url
        if moment is not None:
            etree.SubElement(item, f"{{{SITEMAP}}}lastmod").text = lastmod(moment)
    return _document(root)


def single(base: str, pages: list[tuple[str, datetime]]) -> bytes:
    """The one-file sitemap: the home page, then every record's page (never empty, as the
    schema wants at least one URL)."""
    return urlset([(base + "/", None), *pages])


def index(entries: Iterable[tuple[str, datetime]]) -> bytes:
    root = etree.Element(f"{{{SITEMAP}}}sitemapindex", nsmap={None: SITEMAP})
    for url, moment in entries:
        item = etree.SubElement(root, f"{{{SITEMAP}}}sitemap")
        etree.SubElement(item, f"{{{SITEMAP}}}loc").text = url
        etree.SubElement(item, f"{{{SITEMAP}}}lastmod").text = lastmod(moment)
    return _document(root)


def robots(base_url: str) -> str:
    """Public pages open to every crawler; private pages and forms closed; the sitemap."""
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in PRIVATE]
    lines += ["", f"Sitemap: {base_url}/sitemap.xml", ""]
    return "\n".join(lines)
