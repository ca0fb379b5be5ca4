"""Charts drawn on the server as SVG, so the statistics page needs no JavaScript.

Each chart is a standalone `<svg role="img">` named by its `<title>` and described by its
`<desc>` (what it shows and its extremes, for a screen reader), with the table behind it
printed beside it by the page. Colours come from classes styled in static/site.css (the CSP
forbids style attributes); `fill`/`stroke` attributes give the same picture without the sheet.
Every text placed in the SVG is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from compagnon.i18n import _

WIDTH = 640
ROW = 28
LABEL_WIDTH = 230
BAR_WIDTH = 330
MAX_LABEL = 34
MAX_GRAPH_NODES = 40


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(name: str, height: int, title: str, desc: str) -> str:
    ident = f"chart-{name}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="chart" role="img" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>'
    )


def bar_chart(name: str, title: str, items: Sequence[tuple[str, int]]) -> Markup | None:
    """Horizontal bars, one per (label, count), largest first as given; None when empty."""
    if not items:
        return None
    largest = max(count for _label, count in items) or 1
    top_label, top_count = max(items, key=lambda item: item[1])
    desc = _(
        "Bar chart of {rows} rows; the largest is {label} with {count}. "
        "The table gives every number.",
        rows=len(items),
        label=top_label,
        count=top_count,
    )
    height = ROW * len(items) + 8
    parts = [_open(name, height, title, desc)]
    for row, (label, count) in enumerate(items):
        y = 4 + row * ROW
        width = max(1, round(BAR_WIDTH * count / largest)) if count else 0
        parts.append(
            f'<g class="chart-row"><text x="0" y="{y + 18}" class="chart-label" '
            f'fill="currentColor">{escape(_short(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{width}" height="{ROW - 8}" '
            f'class="chart-bar" fill="#2a6f97"/>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 18}" class="chart-value" '
            f'fill="currentColor">{count}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def growth_chart(name: str, title: str, months: Sequence[tuple[str, int]]) -> Markup | None:
    """The number of resources month by month (a line over the running total, a bar for
    each month's new ones); None when there is no month."""
    if not months:
        return None
    height, left, bottom, top = 240, 48, 200, 16
    peak = max(total for _month, total in months) or 1
    step = (WIDTH - left - 16) / max(len(months), 1)
    first, last = months[0], months[-1]
    desc = _(
        "Line chart of all resources, month by month: {first_total} in {first}, "
        "{last_total} in {last}. The table gives every month.",
        first=first[0],
        first_total=first[1],
        last=last[0],
        last_total=last[1],
    )
    parts = [_open(name, height, title, desc)]
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 8}" y2="{bottom}" class="chart-axis" '
        f'stroke="currentColor"/>'
        f'<text x="0" y="{top + 4}" class="chart-value" fill="currentColor">{peak}</text>'
        f'<text x="0" y="{bottom}" class="chart-value" fill="currentColor">0</text>'
    )
    points = []
    for index, (_month, total) in enumerate(months):
        x = left + step * index + step / 2
        y = bottom - (bottom - top) * total / peak
        points.append(f"{x:.1f},{y:.1f}")
    parts.append(
        f'<polyline points="{" ".join(points)}" class="chart-line" fill="none" '
        f'stroke="#2a6f97" stroke-width="3"/>'
    )
    for index in sorted({0, len(months) - 1}):
        x = left + step * index + step / 2
        anchor = "start" if index == 0 else "end"
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 20}" text-anchor="{anchor}" class="chart-label" '
            f'fill="currentColor">{escape(months[index][0])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def graph_chart(name: str, title: str, links: Sequence[tuple[str, str, int]]) -> Markup | None:
    """Nodes (hosts) on a circle, an arrow from each follower's host to the host followed;
    the most connected `MAX_GRAPH_NODES` hosts when there are more. None without links."""
    if not links:
        return None
    degree: dict[str, int] = {}
    for a, b, n in links:
        degree[a] = degree.get(a, 0) + n
        degree[b] = degree.get(b, 0) + n
    hosts = sorted(degree, key=lambda h: (-degree[h], h))[:MAX_GRAPH_NODES]
    shown = set(hosts)
    drawn = [(a, b, n) for a, b, n in links if a in shown and b in shown]
    desc = _(
        "Graph of {hosts} nodes and {links} links: an arrow goes from a node to a node its "
        "accounts follow. The table lists every link.",
        hosts=len(degree),
        links=len(links),
    )
    height = 480
    cx, cy, radius = WIDTH / 2, height / 2, 170
    place = {
        host: (
            cx + radius * math.cos(2 * math.pi * i / len(hosts) - math.pi / 2),
            cy + radius * math.sin(2 * math.pi * i / len(hosts) - math.pi / 2),
        )
        for i, host in enumerate(hosts)
    }
    marker = f"chart-{name}-arrow"
    parts = [
        _open(name, height, title, desc),
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="16" refY="5" markerWidth="8" '
        f'markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        f"</defs>",
    ]
    for a, b, _n in drawn:
        (x1, y1), (x2, y2) = place[a], place[b]
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="chart-edge" '
            f'stroke="#555" stroke-width="1.5" marker-end="url(#{marker})"/>'
        )
    for host in hosts:
        x, y = place[host]
        anchor = "start" if x >= cx else "end"
        offset = 12 if x >= cx else -12
        parts.append(
            f'<g class="chart-node"><circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="#2a6f97"/>'
            f'<text x="{x + offset:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
            f'class="chart-label" fill="currentColor">{escape(_short(host, 28))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
