"""`/statistics` (a page of charts drawn as SVG on the server, each with its table),
`/statistics.json` (the same numbers) and `/statistics/{table}.csv` (one table). Public: the
numbers are of public resources by actors who consent to being indexed
(compagnon/handover/statistics.py)."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup
from sqlalchemy import func, select

from compagnon.handover import charts
from compagnon.handover.statistics import TABLE_NAMES, Statistics, Table, as_json, gather, tables
from compagnon.i18n import _, ngettext
from compagnon.server import auth
from compagnon.server.keys import SESSIONS, SETTINGS
from compagnon.server.negotiation import json_response, problem
from compagnon.server.views.pages import _base
from compagnon.storage.models import Object

# The numbers are counted from the whole index on each computation (part 6 of issue 11,
# numbers kept current by ingest, is not done): a process keeps them while nothing was
# stored, edited or deleted since (the newest `objects.changed_at`, one index lookup) and
# for at most CACHE_SECONDS, and computes them once for requests arriving together, so a
# flood of page views costs at most one count in flight per process.
CACHE_SECONDS = 60.0


@dataclass
class _Kept:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    stats: Statistics | None = None
    version: datetime | None = None
    at: float = 0.0


_kept: dict[str, _Kept] = {}  # by database URL: one entry per node this process serves


async def _gathered(request: web.Request) -> Statistics:
    settings = request.app[SETTINGS]
    kept = _kept.setdefault(settings.resolved_database_url, _Kept())
    async with kept.lock:
        async with request.app[SESSIONS]() as session:
            version = await session.scalar(select(func.max(Object.changed_at)))
            fresh = time.monotonic() - kept.at < CACHE_SECONDS and version == kept.version
            if kept.stats is None or not fresh:
                kept.stats = await gather(session, own_country=settings.country)
                kept.version, kept.at = version, time.monotonic()
        return kept.stats


def chart_of(table: Table) -> Markup | None:
    """The SVG of a table (None when it has nothing to draw)."""
    if table.chart == "growth":
        return charts.growth_chart(
            table.name, table.title, [(r["month"], r["total"]) for r in table.rows]
        )
    if table.chart == "graph":
        return charts.graph_chart(
            table.name,
            table.title,
            [(r["follower"], r["followed"], r["follows"]) for r in table.rows],
        )
    value = table.columns[-1][0]
    return charts.bar_chart(table.name, table.title, [(r["label"], r[value]) for r in table.rows])


async def statistics_page(request: web.Request) -> web.StreamResponse:
    stats = await _gathered(request)
    shown = tables(stats)
    context = _base(
        request,
        user=await auth.current_user(request),
        total_line=ngettext(
            "{n} public resource counted on this node.",
            "{n} public resources counted on this node.",
            stats.total,
        ),
        tables=shown,
        charts={t.name: chart_of(t) for t in shown},
    )
    return aiohttp_jinja2.render_template("statistics/page.html", request, context)


async def statistics_json(request: web.Request) -> web.StreamResponse:
    answer = json_response(as_json(await _gathered(request)))
    answer.headers["Access-Control-Allow-Origin"] = "*"
    return answer


async def statistics_csv(request: web.Request) -> web.StreamResponse:
    name = request.match_info["table"]
    if name not in TABLE_NAMES:
        names = ", ".join(TABLE_NAMES)
        return problem(404, _("no such table: the tables are {names}", names=names))
    table = next(t for t in tables(await _gathered(request)) if t.name == name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    keys = [key for key, _heading in table.columns]
    writer.writerow(keys)
    for row in table.rows:
        writer.writerow([_csv_cell(row[key]) for key in keys])
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="statistics-{name}.csv"'},
    )


def _csv_cell(value: object) -> object:
    """A cell a spreadsheet will not run: text starting like a formula gets a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
