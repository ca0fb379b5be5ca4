"""What a page costs to download before its images: the HTML, plus each stylesheet and script
it links, raw and gzip-compressed (what a compressing proxy or server would send).
Used by tests/browser/test_light.py (the 100 KB rule) and bench/page_weight.py (the table)."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass

import httpx

ASSETS = re.compile(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"|<script[^>]+src="([^"]+)"')
LIMIT = 100 * 1024  # every main page, before images (issue 10)


@dataclass(frozen=True)
class Weight:
    page: str
    html: int
    assets: int  # CSS + JS
    gzip_total: int
    status: int

    @property
    def total(self) -> int:
        return self.html + self.assets


def _gzipped(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


async def weigh(http: httpx.AsyncClient, name: str, path: str) -> Weight:
    """`http`: a client based on the node's URL (signed in for the private pages)."""
    answer = await http.get(path)
    html = answer.content
    assets = 0
    gzip_total = _gzipped(html)
    for stylesheet, script in ASSETS.findall(answer.text):
        asset = await http.get(stylesheet or script)
        assets += len(asset.content)
        gzip_total += _gzipped(asset.content)
    return Weight(name, len(html), assets, gzip_total, answer.status_code)
