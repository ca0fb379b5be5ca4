"""`/statistics` (a page of charts drawn as SVG on the server, each with its table),
`/statistics.json` (the same numbers) and `/statistics/{table}.csv` (one table). Public: the
numbers are of public resources by actors who consent to being indexed
(compagnon/handover/statistics.py)."""

from __future__ import annotations

import csv
import io

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup

from compagnon.handover import charts
from compagnon.handover.statistics import TABLE_NAMES, Statistics, Table, as_json, gather, tables
from compagnon.i18n import _, ngettext
from compagnon.server import auth
from compagnon.server.keys import SESSIONS, SETTINGS
from compagnon.server.negotiation import json_response, problem
from compagnon.server.views.pages import _base


async def _gathered(request: web.Request) -> Statistics:
    """The numbers, read from the pre-aggregated counts on every request: a few hundred rows
    whatever the catalogue's size (storage/queries/statistics_counts.py), so always current
    and nothing kept between requests."""
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        return await gather(session, own_country=settings.country)


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
