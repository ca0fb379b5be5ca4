"""Charts drawn on the server as SVG, so the statistics page needs no JavaScript.

Each chart is a standalone `<svg role="img">` named by its `<title>` and described by its
`<desc>` (what it shows and its extremes, for a screen reader), with the table behind it
printed beside it by the page. Colours come from classes styled in static/site.css (the CSP
forbids style attributes); `fill`/`stroke` attributes give the same picture without the sheet.
Every text placed in the SVG is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from compagnon.i18n import _

# Drawn for a phone first: 400 units wide shows at about 1:1 on a 390-pixel screen, so the
# 14-unit text stays readable; a wider screen scales it up (the page caps the width).
WIDTH = 400
ROW = 42  # a label line, then its bar
BAR_WIDTH = 340
MAX_LABEL = 46
MAX_GRAPH_NODES = 40
GRAPH_ROW = 32
FONT = 'font-size="14"'


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
    height = ROW * len(items) + 4
    parts = [_open(name, height, title, desc)]
    for row, (label, count) in enumerate(items):
        y = row * ROW
        width = max(1, round(BAR_WIDTH * count / largest)) if count else 0
        parts.append(
            f'<g class="chart-row"><text x="0" y="{y + 15}" class="chart-label" {FONT} '
            f'fill="currentColor">{escape(_short(label))}</text>'
            f'<rect x="0" y="{y + 21}" width="{width}" height="16" '
            f'class="chart-bar" fill="#2a6f97"/>'
            f'<text x="{width + 6}" y="{y + 34}" class="chart-value" {FONT} '
            f'fill="currentColor">{count}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def growth_chart(name: str, title: str, months: Sequence[tuple[str, int]]) -> Markup | None:
    """The number of resources month by month: a line over the running total, a dot on
    each month (so a node's first month shows too); None when there is no month."""
    if not months:
        return None
    height, left, bottom, top = 220, 40, 180, 16
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
    if len(months) == 1:
        desc = _("Chart of all resources: {total} in {month}.", total=last[1], month=last[0])
    parts = [_open(name, height, title, desc)]
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 8}" y2="{bottom}" class="chart-axis" '
        f'stroke="currentColor"/>'
        f'<text x="0" y="{top + 4}" class="chart-value" {FONT} fill="currentColor">{peak}</text>'
        f'<text x="0" y="{bottom}" class="chart-value" {FONT} fill="currentColor">0</text>'
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
    for point in points:  # one point alone makes no line
        cx, cy = point.split(",")
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="4" class="chart-dot" fill="#2a6f97"/>')
    for index in sorted({0, len(months) - 1}):
        x = left + step * index + step / 2
        anchor = "start" if index == 0 else "end"
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 22}" text-anchor="{anchor}" class="chart-label" '
            f'{FONT} fill="currentColor">{escape(months[index][0])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def graph_chart(name: str, title: str, links: Sequence[tuple[str, str, int]]) -> Markup | None:
    """An arc diagram: hosts one under the other (most connected first), an arc with an
    arrow from each follower's host to the host it follows, drawn on the left so the names
    keep the width of a phone. At most `MAX_GRAPH_NODES` hosts (the most connected); None
    without links."""
    if not links:
        return None
    degree: dict[str, int] = {}
    for a, b, n in links:
        degree[a] = degree.get(a, 0) + n
        degree[b] = degree.get(b, 0) + n
    hosts = sorted(degree, key=lambda h: (-degree[h], h))[:MAX_GRAPH_NODES]
    row = {host: i for i, host in enumerate(hosts)}
    drawn = [(a, b) for a, b, _n in links if a in row and b in row]
    desc = _(
        "Graph of {hosts} nodes and {links} links: an arrow goes from a node to a node its "
        "accounts follow. The table lists every link.",
        hosts=len(degree),
        links=len(links),
    )
    x, top = 150, 20
    height = top * 2 + GRAPH_ROW * (len(hosts) - 1)
    marker = f"chart-{name}-arrow"
    parts = [
        _open(name, height, title, desc),
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        f"</defs>",
    ]
    for a, b in drawn:
        y1, y2 = top + GRAPH_ROW * row[a], top + GRAPH_ROW * row[b]
        # Wider for far-apart hosts; a link going down bulges more than its return, so
        # both directions of a pair stay visible.
        bulge = min(130, 16 + 14 * abs(row[a] - row[b])) + (10 if y2 > y1 else 0)
        parts.append(
            f'<path d="M{x - 7},{y1} C{x - bulge},{y1} {x - bulge},{y2} {x - 8},{y2}" '
            f'class="chart-edge" fill="none" stroke="#555" stroke-width="1.5" '
            f'marker-end="url(#{marker})"/>'
        )
    for host in hosts:
        y = top + GRAPH_ROW * row[host]
        parts.append(
            f'<g class="chart-node"><circle cx="{x}" cy="{y}" r="6" fill="#2a6f97"/>'
            f'<text x="{x + 12}" y="{y + 5}" class="chart-label" {FONT} '
            f'fill="currentColor">{escape(_short(host, 30))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
